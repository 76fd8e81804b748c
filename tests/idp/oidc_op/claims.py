"""The claims the test provider releases: an account whose username starts with
"unverified" has an address the provider does not vouch for."""


def userinfo(claims, user):
    claims["email"] = user.email
    claims["email_verified"] = not user.username.startswith("unverified")
    claims["name"] = user.get_full_name()
    claims["given_name"] = user.first_name
    claims["family_name"] = user.last_name
    claims["preferred_username"] = user.username
    return claims
