# Sourced by the sbin scripts: where the binaries and the configuration are.
# TUSK_BIN: the directory of hdfs/yarn/mapred (default: target/release of this checkout,
# else whatever is on PATH); HADOOP_CONF_DIR: default conf/ of this checkout.
TUSK_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${TUSK_BIN:-}" ]; then
  if [ -x "$TUSK_HOME/target/release/hdfs" ]; then
    TUSK_BIN="$TUSK_HOME/target/release"
  else
    TUSK_BIN="$(dirname "$(command -v hdfs || echo /usr/bin/hdfs)")"
  fi
fi
export HADOOP_CONF_DIR="${HADOOP_CONF_DIR:-$TUSK_HOME/conf}"
export HADOOP_LOG_DIR="${HADOOP_LOG_DIR:-$TUSK_HOME/logs}"
