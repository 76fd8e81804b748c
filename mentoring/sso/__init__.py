"""Single sign-on through the university's or the school's own identity provider.

SAML 2.0 and OpenID Connect are django-allauth's providers (python3-saml underneath); staff add
each identity provider as an allauth social application in /django-admin/, with the e-mail
domains it serves in its settings. This package routes the sign-in page by domain, decides who
may come in (``services.admission``), and checks what allauth leaves to the site
(``adapter``). See docs/sso.md.
"""
