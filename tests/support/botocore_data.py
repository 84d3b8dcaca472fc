"""botocore's data files parsed once per test process, not once per session.

moto's mock_aws clears boto3's default session for each test, so each test's first client makes
a new session, whose new loader parses botocore's JSON again: endpoints, partitions, each
service's model and rules. That was a third of the unit tier's CPU (py-spy: 26 % in json's
decoder alone). One session keeps what its loader parsed (the loader's instance cache) and only
reads it; sessions sharing the loader keep it for the whole process.
"""

from __future__ import annotations

import functools

import botocore.loaders
import botocore.session


def share_loaders() -> None:
    """Every botocore session of this process gets the loader of its data path (AWS_DATA_PATH)
    made by the first session that asked, instead of a loader of its own."""
    botocore.session.create_loader = functools.cache(botocore.loaders.create_loader)
