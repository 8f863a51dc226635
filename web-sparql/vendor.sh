#!/bin/sh
# Copy the YASGUI query editor from node_modules into api/static/yasgui/, so the /sparql page works
# offline with no CDN. Run after `npm ci` (or `npm install`) in this directory.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
target="$here/../api/static/yasgui"
package="$here/node_modules/@zazuko/yasgui"
[ -d "$package" ] || (cd "$here" && npm ci --no-audit --no-fund)
mkdir -p "$target"
cp "$package/build/yasgui.min.js" "$target/yasgui.min.js"
cp "$package/build/yasgui.min.css" "$target/yasgui.min.css"
version=$(node -p "require('$package/package.json').version")
licence=$(node -p "require('$package/package.json').license")
author=$(node -p "require('$package/package.json').author")
# The npm package ships no licence file; its package.json declares the licence, written out here.
if [ -f "$package/LICENSE" ]; then
  cp "$package/LICENSE" "$target/yasgui.LICENSE"
else
  {
    printf '@zazuko/yasgui %s -- licence declared in its package.json: %s\n' "$version" "$licence"
    printf 'Source: https://github.com/rdfjs/Yasgui (packages/yasgui). Author: %s\n\n' "$author"
    cat "$here/MIT.txt" | sed "s/{{holder}}/$author/"
  } > "$target/yasgui.LICENSE"
fi
printf '@zazuko/yasgui %s (%s): yasgui.min.js, yasgui.min.css, yasgui.LICENSE\n' "$version" "$licence" \
  > "$target/VERSIONS.txt"
echo "vendored @zazuko/yasgui $version into $target"
