"""The auditor console: the audit log, entitlements as of any date, compliance findings, the dashboard and the
exports. It reads across every app (catalog, access requests, provisioning) and so sits above them all; the
audit log itself (models, services, the chain) stays in ``meshportal.audit`` at the bottom."""
