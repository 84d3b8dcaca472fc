"""Shared by the media functions (media-convert's media_* and sns-fanout's fanout_*).

settings (each function's settings), errors (named errors), job_keys (a job's id and S3 keys),
manifest (the job manifest), geometry (output size), ffmpeg_runner (running ffmpeg/ffprobe),
probe (ffprobe), transcode (ffmpeg command lines; needs ffmpeg-python in the function's
requirements), storage (whether an input fits the temporary storage).
"""
