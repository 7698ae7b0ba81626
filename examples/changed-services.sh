#!/usr/bin/env bash
# Prints the services to build, one name a line: those with a file changed between a base commit and
# HEAD under services/<name>/, plus the users of a changed shared folder. The base is the first
# argument that is a commit of this clone; with none (`all`, a new branch, rewritten history), every
# service. Copy it to .github/scripts/changed-services.sh; the example workflows call it from there.
#
#   changed-services.sh <base> [<fallback base>...]
#
# SHARED_FOLDERS (optional): one mapping a line, a folder then the services that use it:
#   libs/money/ orders payments
set -euo pipefail

base=""
for candidate in "$@"; do
  if [ -n "$candidate" ] && git cat-file -e "$candidate^{commit}" 2>/dev/null; then
    base=$candidate
    break
  fi
done

if [ -z "$base" ]; then
  for dir in services/*/; do
    if [ -d "$dir" ]; then basename "$dir"; fi
  done
  exit 0
fi

git diff --name-only "$base" HEAD | while IFS= read -r path; do
  case "$path" in
    services/*/*) echo "$path" | cut -d/ -f2 ;;
  esac
  while read -r folder users; do
    if [ -n "$folder" ] && [ "${path#"$folder"}" != "$path" ]; then
      printf '%s\n' $users
    fi
  done <<< "${SHARED_FOLDERS:-}"
done | sort -u | sed '/^$/d'
