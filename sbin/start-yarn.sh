#!/usr/bin/env bash
# Starts YARN on this machine as Hadoop's start-yarn.sh does on one host: the
# ResourceManager and a NodeManager, then the MapReduce JobHistory server.
set -euo pipefail
source "$(dirname "$0")/tusk-env.sh"
echo "Starting resourcemanager"
"$TUSK_BIN/yarn" --daemon start resourcemanager
echo "Starting nodemanagers"
"$TUSK_BIN/yarn" --daemon start nodemanager
echo "Starting historyserver"
"$TUSK_BIN/mapred" --daemon start historyserver
