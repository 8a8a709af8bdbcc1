"""What every room of reports/ (and every other package) uses: coded errors and the message
table, atomic writes, the data-file reader, paths, the progress type (docs/architecture.md)."""
