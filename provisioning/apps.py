from django.apps import AppConfig


class ProvisioningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "provisioning"
    verbose_name = "Provisioning"

    def ready(self) -> None:
        # Imported here, not at the top: app modules load only once the app registry is ready.
        from access_requests.provisioner import register_grant_provisioner  # noqa: PLC0415
        from catalog.publication import register_publication_listener  # noqa: PLC0415
        from provisioning.backends import register_backend  # noqa: PLC0415
        from provisioning.backends.lakeformation import LakeFormationBackend  # noqa: PLC0415
        from provisioning.services import JobProvisioner, RegistrationOnPublish  # noqa: PLC0415

        # Access requests decide that a grant is made or ended; provisioning is how (access_requests/provisioner.py).
        register_grant_provisioner(JobProvisioner())
        register_backend(LakeFormationBackend())
        # The catalog decides that a product is published; under a central model provisioning registers its tables.
        register_publication_listener(RegistrationOnPublish())
