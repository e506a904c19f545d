// Custodia's few behaviours beyond plain forms and htmx. No inline script anywhere: the
// pages' Content-Security-Policy allows scripts from this site's files only.
"use strict";

// Keyboard shortcuts: an element with data-key="r" is clicked when r is pressed, unless
// the person is typing in a field. Pages list their shortcuts where they offer them.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLElement && target.closest("input, textarea, select, [contenteditable]")) return;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  const button = document.querySelector(`[data-key="${CSS.escape(key)}"]:not([disabled])`);
  if (button instanceof HTMLElement) {
    event.preventDefault();
    button.click();
  }
});
