"""Drives Tusk's ResourceManager REST API with yarn-api-client, a YARN
REST client from PyPI written against Hadoop (pip install yarn-api-client).

Usage: yarn_api_client_check.py RM_URL RUNNING_APP_ID
Checks the cluster resources, finds the running application through a
filtered listing, kills it, and exits 0 when every answer was as Hadoop's.
"""

import sys
import time

from yarn_api_client.resource_manager import ResourceManager


def main(rm_url, app_id):
    rm = ResourceManager(service_endpoints=[rm_url])

    info = rm.cluster_information().data["clusterInfo"]
    assert info["state"] == "STARTED", info
    assert info["haState"] == "ACTIVE", info

    metrics = rm.cluster_metrics().data["clusterMetrics"]
    assert metrics["activeNodes"] == 2, metrics
    assert metrics["appsRunning"] == 1, metrics
    assert metrics["containersAllocated"] >= 2, metrics

    running = rm.cluster_applications(states=["RUNNING"]).data["apps"]["app"]
    assert [app["id"] for app in running] == [app_id], running
    finished = rm.cluster_applications(states=["FINISHED"]).data["apps"]["app"]
    assert finished == [], finished

    app = rm.cluster_application(app_id).data["app"]
    assert app["state"] == "RUNNING" and app["finalStatus"] == "UNDEFINED", app
    assert app["runningContainers"] >= 2, app

    assert rm.cluster_application_state(app_id).data == {"state": "RUNNING"}

    nodes = rm.cluster_nodes(states=["RUNNING"]).data["nodes"]["node"]
    assert len(nodes) == 2, nodes
    assert all(node["state"] == "RUNNING" for node in nodes), nodes

    scheduler = rm.cluster_scheduler().data["scheduler"]["schedulerInfo"]
    assert scheduler["type"] == "capacityScheduler", scheduler
    default = rm.cluster_scheduler_queue("default")
    assert default is not None and default["numApplications"] == 1, default

    killed = rm.cluster_application_kill(app_id)
    assert killed.data["state"] in ("KILLED", "RUNNING"), killed.data
    deadline = time.time() + 30
    while rm.cluster_application_state(app_id).data["state"] != "KILLED":
        assert time.time() < deadline, "application never reached KILLED"
        time.sleep(0.2)
    app = rm.cluster_application(app_id).data["app"]
    assert app["finalStatus"] == "KILLED", app
    print("yarn-api-client: all checks passed")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
