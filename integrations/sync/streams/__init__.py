"""The use cases as stream definitions on the one engine (``integrations.sync.engine``)."""
