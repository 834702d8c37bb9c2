"""Access requests and grants (issue: access requests)."""
