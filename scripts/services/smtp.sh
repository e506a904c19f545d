# A real SMTP server on 127.0.0.1:$SMTP_PORT: aiosmtpd running smtp_sink.py
# beside this file, with the repo's .venv (which must exist), as the invoking
# user. It keeps every message it accepts as <state>/outbox/<id>.eml (+
# <id>.json, the envelope), and also delivers recipients @$MAIL_DOMAIN to the
# dovecot service over LMTP ($LMTP_PORT, dovecot.sh), so a test can send by
# SMTP and read by IMAP. AUTH PLAIN/LOGIN (optional) takes custodia/custodia.
# Sourced by scripts/services.sh; the shape is in lib.sh.

SMTP_PORT=${CUSTODIA_SMTP_PORT:-10025}
SMTP_PROCESS=smtp_sink.py
VENV_PYTHON=$REPO_ROOT/.venv/bin/python
AIOSMTPD_REQUIREMENT='aiosmtpd>=1.4.6,<2'

smtp_healthy() { greets "$SMTP_PORT" '220 ' 'QUIT'; }

smtp_pid() { live_pid "$1/pid" "$SMTP_PROCESS"; }

smtp_ensure_venv() {
  local dir=$1
  if [[ ! -x $VENV_PYTHON ]]; then
    [[ ! -e $VENV_PYTHON ]] || die smtp "$VENV_PYTHON is not executable by $(id -un)"
    die smtp "no virtualenv at $REPO_ROOT/.venv; create it first: python3 -m venv .venv && .venv/bin/pip install -e '.[test]' (scripts/test.sh does this)"
  fi
  "$VENV_PYTHON" -c 'import aiosmtpd' 2>/dev/null && return 0
  say smtp "installing $AIOSMTPD_REQUIREMENT into .venv (pip)" >&2
  (
    flock 7
    "$VENV_PYTHON" -m pip install --quiet --disable-pip-version-check "$AIOSMTPD_REQUIREMENT"
  ) 7>"$SERVICES_DIR/.pip.lock" >"$dir/pip.log" 2>&1 || {
    say smtp "FAILED: pip install $AIOSMTPD_REQUIREMENT" >&2
    show_log_tail "$dir/pip.log"
    return 1
  }
}

smtp_start() {
  local dir=$1
  smtp_ensure_venv "$dir" || return 1
  mkdir -p "$dir/outbox"
  start_detached "$dir/smtp.log" "$dir/pid" "$VENV_PYTHON" -u "$HELPERS/$SMTP_PROCESS" \
    --host 127.0.0.1 --port "$SMTP_PORT" --outbox "$dir/outbox" \
    --lmtp "127.0.0.1:$LMTP_PORT" --local-domain "$MAIL_DOMAIN"
}

smtp_up() {
  local dir
  dir=$(own_state_dir smtp create)
  service_up smtp "$dir" "$dir/smtp.log" "$SMTP_PORT" " on 127.0.0.1:$SMTP_PORT" \
    "aiosmtpd; outbox $dir/outbox; @$MAIL_DOMAIN also to Dovecot" "; outbox $dir/outbox"
}

smtp_down() { service_down smtp "$(own_state_dir smtp)"; }

smtp_status() { service_status smtp "$(own_state_dir smtp)" "$SMTP_PORT"; }
