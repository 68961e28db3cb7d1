"""What the Rasa server loads for production: stores chosen by the environment, outage replies.

endpoints.yml names `production.tracker_store.ResilientSQLTrackerStore` and
`production.lock_store.MilaLockStore`; docs/production.md explains every variable they read.
"""
