#!/bin/sh
# Copy the explorer's browser libraries from node_modules into api/static/vendor/, so the page works
# offline with no CDN. Run after `npm ci` (or `npm install`) in this directory.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
vendor="$here/../api/static/vendor"
[ -d "$here/node_modules/cytoscape" ] || (cd "$here" && npm ci --no-audit --no-fund)
mkdir -p "$vendor"
cp "$here/node_modules/cytoscape/dist/cytoscape.min.js" "$vendor/cytoscape.min.js"
cp "$here/node_modules/cytoscape/LICENSE" "$vendor/cytoscape.LICENSE"
version=$(node -p "require('$here/node_modules/cytoscape/package.json').version")
printf 'cytoscape %s (MIT): cytoscape.min.js, cytoscape.LICENSE\n' "$version" > "$vendor/VERSIONS.txt"
echo "vendored cytoscape $version into $vendor"

# Swagger UI for the API's own /docs page (FastAPI would otherwise load it from a CDN).
swagger="$here/../api/static/swagger"
mkdir -p "$swagger"
for f in swagger-ui-bundle.js swagger-ui.css favicon-32x32.png LICENSE NOTICE; do
  cp "$here/node_modules/swagger-ui-dist/$f" "$swagger/$f"
done
swagger_version=$(node -p "require('$here/node_modules/swagger-ui-dist/package.json').version")
printf 'swagger-ui-dist %s (Apache-2.0): swagger-ui-bundle.js, swagger-ui.css, favicon-32x32.png\n' \
  "$swagger_version" > "$swagger/VERSIONS.txt"
echo "vendored swagger-ui-dist $swagger_version into $swagger"
