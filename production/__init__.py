"""What the Rasa server loads for production: stores chosen by the environment, outage replies.

endpoints.yml names `production.tracker_store.ResilientSQLTrackerStore` and
`production.lock_store.MilaLockStore`; docs/production.md explains every variable they read.
"""


def install_hooks() -> None:
    """Changes to Rasa's handling of custom actions, installed once per process.

    Rasa 3.6 has no setting for either, and every Rasa server builds its two stores at
    start-up, so the stores call this.
    """
    from production import action_outage, action_validation

    action_validation.install()
    action_outage.install()
