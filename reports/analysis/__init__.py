"""What the reports say, judged: problem types, unit sectors, how concrete a rectification is,
the audit of a report's own statements (docs/architecture.md)."""
