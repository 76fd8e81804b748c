"""The Wagtail admin raises no errors in the browser's console on a Debian server."""


def test_admin_time_zones_are_ones_browsers_know(client, user_factory, wagtail_root):
    # "localtime" (Debian's tzdata) makes the account page's script throw a RangeError.
    admin = user_factory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    html = client.get("/admin/account/").content.decode()
    assert 'value="Europe/London"' in html
    assert 'value="localtime"' not in html
