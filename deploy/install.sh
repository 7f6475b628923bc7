#!/bin/sh
# Install memqos on a host, register the hook with the container runtimes,
# and remove all of it again.
#
#   deploy/install.sh [options]               install
#   deploy/install.sh --uninstall [options]   registrations first, then the binaries
#
# Options (give the same ones to --uninstall):
#   --prefix DIR        binaries in DIR/bin, the deploy files in DIR/share/memqos
#                       (default /opt/memqos: writable on hosts whose /usr is not)
#   --from DIR          where the built memqos-hook and memqos-agent are (default: build/)
#   --containerd        add base_runtime_spec and pod_annotations to containerd's
#                       runc runtime table (then restart containerd)
#   --containerd-config FILE   default /etc/containerd/config.toml
#   --runtime NAME      the containerd runtime handler to register in (default runc)
#   --crio              the oci-hooks.d entry where CRI-O reads it (its hooks_dir)
#   --podman            the oci-hooks.d entry in /etc/containers/oci/hooks.d
#   --hooks-dir DIR     the oci-hooks.d entry in DIR (repeatable)
#   --systemd           the agent as a systemd service
#   --no-binaries       register only: the hook is already in DIR/bin (e.g.
#                       put there by the DaemonSet's init container)
#
# Needs jq (the OCI spec and the hooks entry are JSON, edited as JSON) and,
# for --containerd, the containerd and ctr commands. containerd's config is
# checked with `containerd config dump` after the edit: the runc table must
# be unchanged but for the two keys, or the old file is put back.
set -eu

prog=install.sh
die() { echo "$prog: $*" >&2; exit 1; }
say() { echo "$prog: $*"; }

prefix=/opt/memqos
from=
containerd=no
cd_config=/etc/containerd/config.toml
runtime=runc
crio=no
podman=no
hooks_dirs=
systemd=no
uninstall=no
binaries=yes
while [ $# -gt 0 ]; do
	case "$1" in
	--prefix) prefix=${2:?}; shift 2 ;;
	--from) from=${2:?}; shift 2 ;;
	--containerd) containerd=yes; shift ;;
	--containerd-config) cd_config=${2:?}; shift 2 ;;
	--runtime) runtime=${2:?}; shift 2 ;;
	--crio) crio=yes; shift ;;
	--podman) podman=yes; shift ;;
	--hooks-dir) hooks_dirs="$hooks_dirs ${2:?}"; shift 2 ;;
	--systemd) systemd=yes; shift ;;
	--uninstall) uninstall=yes; shift ;;
	--no-binaries) binaries=no; shift ;;
	-h | --help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument \"$1\"; try --help" ;;
	esac
done

top=$(cd "$(dirname "$0")/.." && pwd)
[ -n "$from" ] || from=$top/build
bindir=$prefix/bin
hook=$bindir/memqos-hook
spec_file=$(dirname "$cd_config")/memqos-base-spec.json
annotations='"memqos.io/*", "*.memqos.io/*"'

need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"; }
need jq "install jq (Debian: apt-get install jq)"

# copy SRC DEST MODE: write DEST atomically (temp file in its directory, rename).
copy() {
	mkdir -p "$(dirname "$2")"
	cp "$1" "$2.memqos-tmp"
	chmod "$3" "$2.memqos-tmp"
	mv -f "$2.memqos-tmp" "$2"
}

# --- containerd ---------------------------------------------------------

# The runc table's header as containerd prints it; config version 2
# (containerd 1.x) and 3 (2.x) name the CRI plugin differently.
cd_header() {
	containerd --config "$1" config dump 2>/dev/null | awk -v rt="$runtime" '
		{ n = $0; gsub(/[ \t]/, "", n); gsub(/\047/, "\"", n) }
		n == "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes." rt "]" ||
		n == "[plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes." rt "]" { print n; exit }'
}

# cd_section HEADER < TOML: the table and its sub-tables (options), as lines.
cd_section() {
	awk -v h="$1" '
		BEGIN { p = substr(h, 1, length(h) - 1) "." }
		{ n = $0; gsub(/[ \t]/, "", n); gsub(/\047/, "\"", n); sub(/\].*/, "]", n) }
		/^[ \t]*\[/ { in_t = (n == h || index(n, p) == 1) }
		in_t && NF { print }'
}

# strip_memqos < TOML: the file as it was before memqos was added.
strip_memqos() {
	awk '
		/^[ \t]*# memqos-begin-block/ { skip = 1; next }
		/^[ \t]*# memqos-end-block/ { skip = 0; next }
		/^[ \t]*# memqos-begin:/ { skip = 1; next }
		/^[ \t]*# memqos-end$/ { skip = 0; next }
		skip { next }
		{ if (sub(/^# memqos-was: /, "")) print; else print }'
}

# merge_ann VALUE: a TOML array with VALUE's entries and memqos's.
merge_ann() {
	printf '%s\n' "$1" | awk -v ours="$annotations" '
		{ s = $0; sub(/^[^[]*\[/, "", s); sub(/\][^]]*$/, "", s)
		  n = split(s ", " ours, a, ",")
		  out = ""
		  for (i = 1; i <= n; i++) {
			v = a[i]; gsub(/^[ \t]+|[ \t]+$/, "", v)
			if (v == "" || seen[v]++) continue
			out = out (out == "" ? "" : ", ") v
		  }
		  print "[" out "]" }'
}

containerd_install() {
	need containerd "containerd is not installed"
	need ctr "ctr comes with containerd"
	# A base spec naming a missing hook fails every new container, the one
	# that would install the hook included.
	[ -x "$hook" ] || die "$hook is not there: containerd would fail every container; install it first"
	if [ ! -f "$cd_config" ]; then
		mkdir -p "$(dirname "$cd_config")"
		containerd config default >"$cd_config"
		say "$cd_config did not exist: wrote containerd's default configuration"
	fi
	backup=$cd_config.memqos-backup
	cp -p "$cd_config" "$backup"
	clean=$(strip_memqos <"$cd_config")
	# The configuration without memqos, as containerd reads it.
	printf '%s\n' "$clean" >"$cd_config.memqos-tmp"
	hdr=$(cd_header "$cd_config.memqos-tmp")
	[ -n "$hdr" ] || { rm -f "$cd_config.memqos-tmp" "$backup"; die "containerd has no runtime \"$runtime\" in its CRI configuration"; }
	before=$(containerd --config "$cd_config.memqos-tmp" config dump | cd_section "$hdr")
	rm -f "$cd_config.memqos-tmp"

	# A key of the two spanning lines in the file: not guessed at.
	if printf '%s\n' "$clean" | awk -v h="$hdr" '
		{ n = $0; gsub(/[ \t]/, "", n); gsub(/\047/, "\"", n) }
		/^[ \t]*\[/ { sub(/\].*/, "]", n); in_t = (n == h) }
		in_t && (n ~ /^base_runtime_spec=/ || n ~ /^pod_annotations=/) && n ~ /=\[/ && n !~ /\]/ { f = 1 }
		END { exit !f }'; then
		rm -f "$backup"
		die "pod_annotations of runtime $runtime in $cd_config spans lines; put it on one line, or merge memqos's globs by hand"
	fi

	# The base spec: the one the runtime uses now, or the default spec,
	# with the hook added (an older memqos entry replaced).
	old_spec=$(printf '%s\n' "$before" | sed -n 's/^[ \t]*base_runtime_spec[ \t]*=[ \t]*"\(.*\)"[ \t]*$/\1/p' | head -n1)
	if [ -n "$old_spec" ] && [ "$old_spec" != "$spec_file" ]; then
		[ -f "$old_spec" ] || die "base_runtime_spec $old_spec does not exist"
		src=$(cat "$old_spec")
	else
		src=$(ctr oci spec)
	fi
	printf '%s\n' "$src" | jq --arg p "$hook" '
		.hooks.createRuntime = ([(.hooks.createRuntime // [])[] | select(.path != $p)]
			+ [{"path": $p, "args": ["memqos-hook"]}])' >"$spec_file.memqos-tmp" ||
		die "could not add the hook to the base spec"
	mv -f "$spec_file.memqos-tmp" "$spec_file"

	old_ann=$(printf '%s\n' "$before" | sed -n 's/^[ \t]*pod_annotations[ \t]*=[ \t]*//p' | head -n1)
	case $old_ann in *\[*\]*) ;; "") old_ann="[]" ;; *) die "pod_annotations of runtime $runtime spans lines; merge memqos's by hand" ;; esac
	ann=$(merge_ann "$old_ann")

	if printf '%s\n' "$clean" | awk -v h="$hdr" '{ n = $0; gsub(/[ \t]/, "", n); gsub(/\047/, "\"", n); sub(/\].*/, "]", n) } n == h { f = 1 } END { exit !f }'; then
		# The table is in the file: the two keys go into it, the old
		# lines kept as comments for --uninstall.
		printf '%s\n' "$clean" | awk -v h="$hdr" -v spec="$spec_file" -v ann="$ann" '
			{ n = $0; gsub(/[ \t]/, "", n); gsub(/\047/, "\"", n) }
			/^[ \t]*\[/ { sub(/\].*/, "]", n); in_t = (n == h)
				if (in_t) { print
					print "  # memqos-begin: deploy/install.sh --uninstall removes these lines"
					print "  base_runtime_spec = \"" spec "\""
					print "  pod_annotations = " ann
					print "  # memqos-end"
					next } }
			in_t && (n ~ /^base_runtime_spec=/ || n ~ /^pod_annotations=/) { print "# memqos-was: " $0; next }
			{ print }' >"$cd_config.memqos-tmp"
	else
		# Not in the file (containerd uses its built-in runc table, as with
		# Debian's minimal config.toml): write the table as containerd has it
		# now, every key and the options, so nothing else changes.
		{
			printf '%s\n' "$clean"
			echo "# memqos-begin-block: deploy/install.sh --uninstall removes this block"
			printf '%s\n' "$before" | awk -v h="$hdr" -v spec="$spec_file" -v ann="$ann" '
				{ n = $0; gsub(/[ \t]/, "", n); gsub(/\047/, "\"", n) }
				/^[ \t]*\[/ { t = n }
				t == h && n ~ /^base_runtime_spec=/ { sub(/=.*/, "= \"" spec "\""); print; next }
				t == h && n ~ /^pod_annotations=/ { sub(/=.*/, "= " ann); print; next }
				{ print }'
			echo "# memqos-end-block"
		} >"$cd_config.memqos-tmp"
	fi
	chmod --reference="$backup" "$cd_config.memqos-tmp" 2>/dev/null || true
	mv -f "$cd_config.memqos-tmp" "$cd_config"

	# What containerd will run with: the runc table unchanged but for the
	# two keys, which hold memqos's values; one such table in the file.
	after=$(containerd --config "$cd_config" config dump | cd_section "$hdr") || after=
	problem=
	rest() { printf '%s\n' "$1" | grep -Ev '^[ \t]*(base_runtime_spec|pod_annotations)[ \t]*='; }
	[ "$(rest "$before")" = "$(rest "$after")" ] || problem="the $runtime table changed beyond the two keys"
	printf '%s\n' "$after" | grep -Fq "base_runtime_spec = \"$spec_file\"" || problem="base_runtime_spec is not $spec_file"
	for a in '"memqos.io/*"' '"*.memqos.io/*"'; do
		printf '%s\n' "$after" | grep -E '^[ \t]*pod_annotations[ \t]*=' | grep -Fq "$a" || problem="pod_annotations lacks $a"
	done
	tables=$(awk -v h="$hdr" '{ n = $0; gsub(/[ \t]/, "", n); gsub(/\047/, "\"", n); sub(/\].*/, "]", n) } n == h { c++ } END { print c + 0 }' "$cd_config")
	[ "$tables" = 1 ] || problem="$tables $runtime tables in $cd_config"
	if [ -n "$problem" ]; then
		mv -f "$backup" "$cd_config"
		die "containerd config dump after the edit: $problem; $cd_config restored"
	fi
	rm -f "$backup"
	say "containerd: runtime $runtime in $cd_config: base_runtime_spec = \"$spec_file\", pod_annotations = $ann"
	say "containerd: restart containerd (systemctl restart containerd); running containers keep their old spec"
}

containerd_uninstall() {
	if [ -f "$cd_config" ] && grep -q '# memqos-' "$cd_config"; then
		strip_memqos <"$cd_config" >"$cd_config.memqos-tmp"
		chmod --reference="$cd_config" "$cd_config.memqos-tmp" 2>/dev/null || true
		mv -f "$cd_config.memqos-tmp" "$cd_config"
		if command -v containerd >/dev/null 2>&1 &&
			containerd --config "$cd_config" config dump | grep -Fq "$spec_file"; then
			die "containerd config dump still names $spec_file"
		fi
		say "containerd: memqos removed from $cd_config; restart containerd"
	fi
	rm -f "$spec_file"
}

# --- oci-hooks.d (CRI-O, podman) ----------------------------------------

crio_hooks_dirs() {
	# CRI-O's hooks_dir, as its configuration says; its built-in default
	# otherwise.
	dirs=
	if command -v crio >/dev/null 2>&1; then
		dirs=$(crio config 2>/dev/null | awk '
			/^[ \t]*hooks_dir[ \t]*=/ { f = 1 }
			f { s = s $0; if ($0 ~ /\]/) { f = 0 } }
			END { gsub(/.*\[|\].*/, "", s); gsub(/[",]/, " ", s); print s }')
	fi
	echo "${dirs:-/usr/share/containers/oci/hooks.d}"
}

all_hooks_dirs() {
	d=$hooks_dirs
	[ "$crio" = yes ] && d="$d $(crio_hooks_dirs)"
	[ "$podman" = yes ] && d="$d /etc/containers/oci/hooks.d"
	echo "$d"
}

hooks_install() {
	for d in $(all_hooks_dirs); do
		mkdir -p "$d"
		jq --arg p "$hook" '.hook.path = $p' "$top/deploy/oci-hooks.d/memqos.json" >"$d/memqos.json.memqos-tmp"
		mv -f "$d/memqos.json.memqos-tmp" "$d/memqos.json"
		say "oci-hooks.d: $d/memqos.json"
	done
}

hooks_uninstall() {
	# The directories named, and the usual ones whose entry runs this hook.
	for d in $(all_hooks_dirs) /usr/share/containers/oci/hooks.d /etc/containers/oci/hooks.d; do
		f=$d/memqos.json
		[ -f "$f" ] || continue
		case " $(all_hooks_dirs) " in
		*" $d "*) rm -f "$f" ;;
		*) [ "$(jq -r '.hook.path' "$f" 2>/dev/null)" = "$hook" ] && rm -f "$f" ;;
		esac
		[ -e "$f" ] || say "oci-hooks.d: removed $f"
	done
}

# --- main ---------------------------------------------------------------

if [ "$uninstall" = yes ]; then
	# Registrations first: a runtime must never name a hook that is gone.
	# containerd's is removed whenever the file carries it, --containerd
	# or not.
	if [ "$containerd" = yes ] || { [ -f "$cd_config" ] && grep -q '# memqos-' "$cd_config"; }; then
		containerd_uninstall
	fi
	hooks_uninstall
	if [ "$systemd" = yes ] || [ -f /etc/systemd/system/memqos-agent.service ]; then
		systemctl disable --now memqos-agent.service 2>/dev/null || true
		rm -f /etc/systemd/system/memqos-agent.service
		systemctl daemon-reload 2>/dev/null || true
	fi
	rm -f "$bindir/memqos-hook" "$bindir/memqos-agent"
	rmdir "$bindir" 2>/dev/null || true
	rm -rf "$prefix/share/memqos"
	rmdir "$prefix/share" "$prefix" 2>/dev/null || true
	say "uninstalled from $prefix"
	exit 0
fi

if [ "$binaries" = yes ]; then
	for b in memqos-hook memqos-agent; do
		[ -x "$from/$b" ] || die "$from/$b missing: run make first (or --from DIR)"
	done
	copy "$from/memqos-hook" "$bindir/memqos-hook" 0755
	copy "$from/memqos-agent" "$bindir/memqos-agent" 0755
	mkdir -p "$prefix/share/memqos"
	cp -r "$top/deploy/." "$prefix/share/memqos/"
	say "binaries in $bindir"
fi
mkdir -p /run/memqos
[ "$containerd" = yes ] && containerd_install
hooks_install
if [ "$systemd" = yes ]; then
	sed "s|/usr/local/bin/|$bindir/|" "$top/deploy/systemd/memqos-agent.service" \
		>/etc/systemd/system/memqos-agent.service
	systemctl daemon-reload
	systemctl enable --now memqos-agent.service
fi
exit 0
