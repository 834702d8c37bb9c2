from django.apps import AppConfig


class ProvisioningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "provisioning"
    verbose_name = "Provisioning"

    def ready(self) -> None:
        # Access requests decide that a grant is made or ended; provisioning is how (access_requests/provisioner.py).
        from access_requests.provisioner import register_grant_provisioner
        from provisioning.services import JobProvisioner

        register_grant_provisioner(JobProvisioner())
