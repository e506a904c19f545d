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

// Redacting by hand: while text is selected inside an element marked data-selection-root,
// the inputs naming it in data-selection-of get the selection's start and end (counted in
// code points, as Python counts the text's characters: the root holds only text nodes and
// <mark>s, and the server writes each character as one code point) and its text.
function codePointsBefore(root, node, offset) {
  const range = document.createRange();
  range.setStart(root, 0);
  range.setEnd(node, offset);
  return Array.from(range.toString()).length;
}

document.addEventListener("selectionchange", () => {
  const selection = document.getSelection();
  if (!selection || selection.isCollapsed || selection.rangeCount === 0) return;
  const range = selection.getRangeAt(0);
  const root = range.commonAncestorContainer instanceof Element
    ? range.commonAncestorContainer.closest("[data-selection-root]")
    : range.commonAncestorContainer.parentElement?.closest("[data-selection-root]");
  if (!root) return;
  const start = codePointsBefore(root, range.startContainer, range.startOffset);
  const end = codePointsBefore(root, range.endContainer, range.endOffset);
  const values = { start: String(start), end: String(end), text: range.toString() };
  for (const input of document.querySelectorAll(`[data-selection-of="${CSS.escape(root.id)}"]`)) {
    const part = input.dataset.selection;
    if (part in values) {
      if (input instanceof HTMLInputElement) input.value = values[part];
      else input.textContent = values[part];
    }
  }
});
