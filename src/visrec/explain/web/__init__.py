"""The local web demo (``visrec serve RUN``): Flask app, upload decoding, the page."""

from visrec.explain.web.app import create_app, png_data_url
from visrec.explain.web.decode import MAX_PIXELS, MAX_UPLOAD_BYTES, decode_upload

__all__ = ["create_app", "png_data_url", "decode_upload", "MAX_UPLOAD_BYTES", "MAX_PIXELS"]
