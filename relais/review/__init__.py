"""The human review: the rules that decide every action (``workflow``), the service that
records edits, confirmations, approval and sign-off, accounts, the pages' reads, XLIFF import."""
