"""Before the session: the convocation (L2121-10 to L2121-12 of the CGCT).

- ``model``: what the convocation is made of and what a run reports;
- ``mail``: the message and its delivery through the mairie's SMTP server,
  retried with backoff, never reported as sent unless the server took it;
- ``sending``: the whole sending of a convened session: the signed PDF
  (``table_app.export.convocation_pdf``), placed in each member's folder of
  the synced cloud, sent by e-mail to the members who asked for it, each
  sending (or its failure) one journal event (``record_convocation``);
- ``proof``: the proof of sending per member, from the journal alone.

The domain lists no folder: the caller passes the session's documents
(``sync.session_documents`` reads them from the document folder).
"""
