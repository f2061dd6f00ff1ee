"""The breadcrumbs above an area or work team link only to pages the user may open."""

from django.urls import reverse


def test_a_village_user_gets_no_link_to_the_township_they_cannot_open(client_for, personas, areas, work_teams):
    client = client_for(personas.village_x)
    township_url = reverse("villages:area_detail", args=[areas.township_a.pk])
    for url in (reverse("villages:area_detail", args=[areas.village_x.pk]),
                reverse("villages:workteam_detail", args=[work_teams.x.pk])):
        page = client.get(url).content.decode()
        assert "城关镇" in page and f'href="{township_url}"' not in page
    assert client.get(township_url).status_code == 404


def test_a_township_user_follows_the_breadcrumb_to_the_township(client_for, personas, areas):
    client = client_for(personas.township_a)
    township_url = reverse("villages:area_detail", args=[areas.township_a.pk])
    page = client.get(reverse("villages:area_detail", args=[areas.village_x.pk])).content.decode()
    assert f'href="{township_url}"' in page
    assert client.get(township_url).status_code == 200
