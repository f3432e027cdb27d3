#!/usr/bin/env bash
# Starts HDFS on this machine as Hadoop's start-dfs.sh does on one host: the NameNode, a
# DataNode and the SecondaryNameNode, each with `hdfs --daemon start` (pid files in
# $HADOOP_PID_DIR, default /tmp; logs in $HADOOP_LOG_DIR). Format the NameNode once
# first: `hdfs namenode -format`.
set -euo pipefail
source "$(dirname "$0")/tusk-env.sh"
echo "Starting namenodes on [localhost]"
"$TUSK_BIN/hdfs" --daemon start namenode
echo "Starting datanodes"
"$TUSK_BIN/hdfs" --daemon start datanode
echo "Starting secondary namenodes [localhost]"
"$TUSK_BIN/hdfs" --daemon start secondarynamenode
