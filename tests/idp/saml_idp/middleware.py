"""Service providers are registered by ``setup`` in another process: read them afresh on every
request (djangosaml2idp keeps its pysaml2 server, and the providers it knows, per process)."""

from djangosaml2idp.idp import IDP


class FreshServiceProviders:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/idp/"):
            IDP.load(force_refresh=True)
        return self.get_response(request)
