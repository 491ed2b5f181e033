"""Shared plumbing: settings, the composition root, the event router and executors, the event ledger and its worker, members, roles, i18n."""
