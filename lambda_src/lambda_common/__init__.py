"""Shared helpers packaged into every Lambda function zip as lambda_common/.

errors (named errors), config (environment settings), naming (ids and S3 keys), manifest (the
media job manifest), s3, tools (running ffmpeg/ffprobe), probe (ffprobe), transcode (ffmpeg
command lines). probe and transcode need ffmpeg-python in the function's requirements.
"""
