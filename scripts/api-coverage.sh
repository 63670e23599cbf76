#!/bin/sh
# Prints docs/api-coverage.md: each method of the Bot API as bothive reaches
# it, from the method table (src/telegram/methods.def) and the emulator's
# dispatch, as the built `bothive api --markdown` prints it. The CTest test
# api_coverage checks that the committed page is what this prints; after
# adding a row or a handler, regenerate the page with
#   sh scripts/api-coverage.sh build/tools/bothive > docs/api-coverage.md
# Usage: api-coverage.sh BOTHIVE (the built bothive command)
set -eu
exec "$1" api --markdown
