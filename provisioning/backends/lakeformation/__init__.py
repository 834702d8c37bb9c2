"""The Lake Formation grant backend: LF permissions in the grantor account; RAM invitation, Glue resource link
and DESCRIBE on it in a consumer account elsewhere (cross-account version 3)."""

from provisioning.backends.lakeformation.backend import LakeFormationBackend

__all__ = ["LakeFormationBackend"]
