"""Submits a DistributedShell application to Tusk's ResourceManager through its REST API
with yarn-api-client (a YARN REST client from PyPI written against Hadoop):
cluster_new_application, then cluster_submit_application with Hadoop's submission JSON,
then polls the application until it is FINISHED.

Usage: yarn_api_client_submit.py RM_URL YARN_BINARY
Prints the application id and its final status.
"""

import sys
import time

from yarn_api_client.resource_manager import ResourceManager


def main(rm_url, yarn_binary):
    rm = ResourceManager(service_endpoints=[rm_url])
    new = rm.cluster_new_application().data
    app_id = new["application-id"]
    assert new["maximum-resource-capability"]["memory"] > 0, new
    context = {
        "application-id": app_id,
        "application-name": "rest-python-submit",
        "queue": "default",
        "application-type": "YARN",
        "resource": {"memory": 128, "vCores": 1},
        "am-container-spec": {
            "commands": {"command": "exec '%s' distributedshell-am" % yarn_binary},
            "environment": {"entry": [
                {"key": "DISTRIBUTEDSHELL_SHELL_COMMAND", "value": "echo from-python"},
                {"key": "DISTRIBUTEDSHELL_NUM_CONTAINERS", "value": "1"},
                {"key": "DISTRIBUTEDSHELL_CONTAINER_MEMORY", "value": "128"},
            ]},
        },
    }
    rm.cluster_submit_application(context)
    deadline = time.time() + 120
    while time.time() < deadline:
        app = rm.cluster_application(app_id).data["app"]
        if app["state"] in ("FINISHED", "FAILED", "KILLED"):
            print(app_id, app["state"], app["finalStatus"], app["user"])
            return
        time.sleep(0.2)
    raise SystemExit("%s did not finish: %s" % (app_id, app))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
