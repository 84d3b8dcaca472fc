"""Shared by the rider-photo functions (lambda_src/photo_*).

settings (each function's settings), request (the execution input), errors (named errors and
the mapping of AWS errors onto them), claims (the rider's claim in the riders table: one rider
per face, one photo per rider at a time), image (reading and checking the photo; needs pillow in
the function's requirements).
"""
