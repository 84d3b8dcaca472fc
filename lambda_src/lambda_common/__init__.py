"""Shared basics of the Lambda functions, for media and photo workflows alike.

env (settings read from environment variables), errors (named errors any workflow's state
machine may see), naming (execution names), s3_events (the objects of an S3 notification or of
an EventBridge "Object Created" event), s3 (deleting a prefix), thumbnail (a JPEG thumbnail with
Pillow). A function's zip holds only the modules it imports (scripts/package.py).
"""
