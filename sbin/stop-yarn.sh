#!/usr/bin/env bash
# Stops what start-yarn.sh started.
set -uo pipefail
source "$(dirname "$0")/tusk-env.sh"
echo "Stopping historyserver"
"$TUSK_BIN/mapred" --daemon stop historyserver
echo "Stopping nodemanagers"
"$TUSK_BIN/yarn" --daemon stop nodemanager
echo "Stopping resourcemanager"
"$TUSK_BIN/yarn" --daemon stop resourcemanager
