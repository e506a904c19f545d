# A private Dovecot (Debian's dovecot-imapd and dovecot-lmtpd), never the
# system one: /etc/dovecot and the init system are left alone. Its config is
# generated into the state dir with every path there too (sockets, state, logs,
# mail), and it runs "rootless": every Dovecot process as one unprivileged user
# (the service user as root, else ourselves), no chroots. IMAP without TLS on
# 127.0.0.1:$IMAP_PORT (cleartext login allowed), LMTP on 127.0.0.1:$LMTP_PORT
# (the smtp service delivers @$MAIL_DOMAIN mail through it). Users come from a
# passwd-file rewritten on every start; mail is Maildir under <state>/mail/<user>.
# Sourced by scripts/services.sh; the shape is in lib.sh.

IMAP_PORT=${CUSTODIA_IMAP_PORT:-10143}
LMTP_PORT=${CUSTODIA_LMTP_PORT:-10024}
IMAP_USERS=${CUSTODIA_IMAP_USERS:-allen-p badeer-r clerk-test}
IMAP_PASSWORD=${CUSTODIA_IMAP_PASSWORD:-custodia}
MAIL_DOMAIN=${CUSTODIA_MAIL_DOMAIN:-custodia.test}
DOVECOT_LIBEXEC=/usr/lib/dovecot

dovecot_bin() {
  local bin
  bin=$(command -v dovecot 2>/dev/null) || bin=/usr/sbin/dovecot # /usr/sbin: not on a user's PATH
  if [[ -x $bin ]]; then echo "$bin"; fi
}

dovecot_installed() { [[ -n $(dovecot_bin) && -x $DOVECOT_LIBEXEC/imap && -x $DOVECOT_LIBEXEC/lmtp ]]; }

dovecot_version() { "$(dovecot_bin)" --version 2>/dev/null | awk '{ print $1; exit }'; }

# 2.4 rewrote the configuration syntax (dovecot_config_version, mail_driver,
# named passdb/userdb blocks, %{user} variables, auth_allow_cleartext).
dovecot_is_24() { printf '2.4\n%s\n' "$1" | sort -V -C; }

dovecot_user() { if is_root; then echo "$SERVICE_USER"; else id -un; fi; }

dovecot_healthy() { greets "$IMAP_PORT" '* OK' 'a LOGOUT' && greets "$LMTP_PORT" '220 ' 'QUIT'; }

dovecot_pid() { live_pid "$1/pid" "dovecot -F -c $1/dovecot.conf"; }

# Dovecot's sockets live in base_dir, and a Unix socket path is limited to 107
# bytes: if the state dir's path is long, base_dir goes to a short dir in /tmp.
dovecot_base_dir() {
  local dir=$1 base owner
  if ((${#dir} <= 70)); then
    echo "$dir/run"
    return 0
  fi
  # Dovecot makes base_dir 0755 (some sockets in it are 0666): the parent is 0700.
  base=/tmp/custodia-dovecot-$(printf '%s' "$dir" | sha256sum | cut -c1-10)
  mkdir -m 700 "$base" 2>/dev/null || true
  owner=$(stat -c %U "$base" 2>/dev/null || true)
  if [[ -L $base || ! -d $base || ($owner != "$(dovecot_user)" && $owner != "$(id -un)") ]]; then
    die dovecot "$base exists but is not a directory of ours"
  fi
  chown_service_user "$base"
  chmod 700 "$base"
  echo "$base/run"
}

dovecot_write_users() {
  local dir=$1 u
  [[ $IMAP_PASSWORD != *[:[:space:]]* ]] || die dovecot "CUSTODIA_IMAP_PASSWORD must not contain ':' or spaces"
  {
    echo "# Written by scripts/services/dovecot.sh on every start; edits are lost."
    for u in $IMAP_USERS; do
      [[ $u =~ ^[a-z0-9][a-z0-9._-]*$ ]] || die dovecot "bad user name '$u' in CUSTODIA_IMAP_USERS (want lower-case [a-z0-9._-])"
      # user:password:uid:gid:gecos:home:shell:extra; empty uid/gid = mail_uid/gid.
      printf '%s:{PLAIN}%s::::::\n' "$u" "$IMAP_PASSWORD"
    done
  } >"$dir/users.tmp"
  mv "$dir/users.tmp" "$dir/users"
}

# The settings that differ between Dovecot 2.3 and 2.4.
dovecot_versioned_config() {
  local dir=$1 version=$2
  if dovecot_is_24 "$version"; then
    cat <<EOF
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
auth_allow_cleartext = yes
# Logins are case-insensitive and may carry a domain (allen-p@$MAIL_DOMAIN).
auth_username_format = %{user | username | lower}
mail_home = $dir/home/%{user}
mail_driver = maildir
mail_path = $dir/mail/%{user}
# Layout fs: "/" separates folders and "." is allowed in names ("Holds/2024.01").
mailbox_list_layout = fs
passdb passwd-file {
  passwd_file_path = $dir/users
}
userdb passwd-file {
  passwd_file_path = $dir/users
}
EOF
  else
    cat <<EOF
disable_plaintext_auth = no
# Logins are case-insensitive and may carry a domain (allen-p@$MAIL_DOMAIN).
auth_username_format = %Ln
mail_home = $dir/home/%Ln
# LAYOUT=fs: "/" separates folders and "." is allowed in names ("Holds/2024.01").
mail_location = maildir:$dir/mail/%Ln:LAYOUT=fs
passdb {
  driver = passwd-file
  args = username_format=%Ln $dir/users
}
userdb {
  driver = passwd-file
  args = username_format=%Ln $dir/users
}
EOF
  fi
}

# The config, rewritten on every start (so port and user overrides apply).
dovecot_write_config() {
  local dir=$1 version=$2 base=$3
  local conf=$dir/dovecot.conf user uid gid group
  user=$(dovecot_user)
  uid=$(id -u "$user") gid=$(id -g "$user") group=$(id -gn "$user")
  dovecot_write_users "$dir"
  {
    echo "# Written by scripts/services/dovecot.sh on every start; edits are lost."
    echo "# A private test instance of Dovecot $version: rootless, loopback only, no TLS."
    # First: in 2.4, dovecot_config_version must be the first setting.
    dovecot_versioned_config "$dir" "$version"
    cat <<EOF
instance_name = custodia-dovecot
base_dir = $base
state_dir = $dir/lib
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
listen = 127.0.0.1
protocols = imap lmtp
ssl = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = $user
default_internal_group = $group
default_login_user = $user
mail_uid = $uid
mail_gid = $gid
first_valid_uid = $uid
last_valid_uid = $uid
first_valid_gid = $gid
last_valid_gid = $gid
mail_fsync = never
mail_max_userip_connections = 100
namespace inbox {
  inbox = yes
  separator = /
}
# Rootless: no chroot for the login and anvil processes.
service imap-login {
  chroot =
  inet_listener imap {
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    port = $LMTP_PORT
  }
}
service anvil {
  chroot =
}
EOF
  } >"$conf.tmp"
  mv "$conf.tmp" "$conf"
  mkdir -p "$dir/lib" "$dir/mail" "$dir/home" "$base"
  if is_root; then chown "$user:" "$conf" "$dir/users" "$dir/lib" "$dir/mail" "$dir/home" "$base"; fi
  chmod 600 "$dir/users"
}

dovecot_start() {
  local dir=$1 version base
  version=$(dovecot_version)
  base=$(dovecot_base_dir "$dir")
  dovecot_write_config "$dir" "$version" "$base"
  # A master.pid left by a crash stops Dovecot if its number was reused.
  rm -f "$base/master.pid"
  # -F: the master stays in the foreground, so the pid file is its pid and
  # its children (login, imap, lmtp, auth...) share the session `down` signals.
  start_detached "$dir/dovecot.log" "$dir/pid" "${AS_SERVICE_USER[@]}" "$(dovecot_bin)" -F -c "$dir/dovecot.conf"
}

dovecot_up() {
  ensure_installed dovecot Dovecot "dovecot-imapd dovecot-lmtpd" dovecot_installed
  local dir
  dir=$(user_state_dir dovecot create)
  [[ $dir != *[[:space:]%]* ]] || die dovecot "its state dir must not contain spaces or '%': $dir"
  chmod 700 "$dir" # its sockets and the users file are for its own user only
  service_up dovecot "$dir" "$dir/dovecot.log" "$IMAP_PORT $LMTP_PORT" \
    ": IMAP on 127.0.0.1:$IMAP_PORT, LMTP on 127.0.0.1:$LMTP_PORT" \
    "Dovecot $(dovecot_version); users ${IMAP_USERS// /, }; password $IMAP_PASSWORD"
}

dovecot_down() { service_down dovecot "$(user_state_dir dovecot)"; }

dovecot_status() { service_status dovecot "$(user_state_dir dovecot)" "$IMAP_PORT"; }
