"""The service layer the CLI and the web app share: the workspace, themes, fixes, the ledger."""
