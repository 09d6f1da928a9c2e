"""The HTTP service: policylang's contract as JSON over HTTP, for applications in any language.

``policylang serve`` runs :func:`~policylang.serve.app.create_app` under uvicorn; it needs
the ``serve`` extra (``pip install "policylang[serve]"``). The routes and their answers
are in :mod:`policylang.serve.routes`, the errors in :mod:`policylang.serve.errors`, and
the OpenAPI document in :mod:`policylang.serve.openapi`; the service keeps no state
between requests, so any number of copies can run behind a load balancer.
"""
