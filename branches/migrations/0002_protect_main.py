from django.db import migrations


def protect_main(apps, schema_editor):
    policy = apps.get_model("branches", "BranchPolicy")
    policy.objects.get_or_create(
        branch="main", defaults={"protected": True, "required_approvals": 1}
    )


class Migration(migrations.Migration):
    dependencies = [("branches", "0001_initial")]
    operations = [migrations.RunPython(protect_main, migrations.RunPython.noop)]
