#!/usr/bin/env bash
# Stops what start-dfs.sh started (SIGTERM, then SIGKILL after $HADOOP_STOP_TIMEOUT s).
set -uo pipefail
source "$(dirname "$0")/tusk-env.sh"
echo "Stopping namenodes on [localhost]"
"$TUSK_BIN/hdfs" --daemon stop namenode
echo "Stopping datanodes"
"$TUSK_BIN/hdfs" --daemon stop datanode
echo "Stopping secondary namenodes [localhost]"
"$TUSK_BIN/hdfs" --daemon stop secondarynamenode
