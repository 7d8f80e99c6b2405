"""The parse stage: a PDF becomes a :class:`~extractors.parse.document.Document` (words with
boxes and fonts from PDFium, lines in reading order, table candidates), cached by PDF hash and
parser version. Nothing here knows about facts; extractors read the document it produces.
"""
