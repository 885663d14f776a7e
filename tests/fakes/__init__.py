"""Stand-ins for Microsoft services, on loopback, speaking their documented HTTP shapes.

One module per service, checked against the published payloads in the reference folder.
"""
