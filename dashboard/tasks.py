"""Background refresh of a battle map (the database task worker runs it)."""

from django.tasks import task


@task()
def refresh_map(area_id: int, year: int, user_id: int) -> None:
    from .selectors import map_refresh

    map_refresh(area_id=area_id, year=year, user_id=user_id)
