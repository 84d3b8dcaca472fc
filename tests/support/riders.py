"""What rider-photo registrations leave behind, and removing it again: the sample photos have two
faces only, so e2e modules that register riders (test_rider_photo.py, test_graphql_api.py)
remove them for the next registrations of the same faces."""

from __future__ import annotations


def registration_state(local_aws, outputs: dict, users: list[str]) -> dict:
    """What the riders' uploads left: rows, faces (ids) and thumbnail keys, by user id."""
    dynamodb, s3 = local_aws.client("dynamodb"), local_aws.client("s3")
    faces = local_aws.client("rekognition").list_faces(
        CollectionId=outputs["collection_id"], MaxResults=4096
    )["Faces"]
    state = {}
    for user in users:
        item = dynamodb.get_item(
            TableName=outputs["table_name"], Key={"userId": {"S": user}}, ConsistentRead=True
        ).get("Item")
        listing = s3.list_objects_v2(Bucket=outputs["thumbnail_bucket"], Prefix=f"{user}/")
        state[user] = {
            "row": {k: next(iter(v.values())) for k, v in (item or {}).items()} or None,
            "faces": sorted(f["FaceId"] for f in faces if f.get("ExternalImageId") == user),
            "thumbnails": sorted(o["Key"] for o in listing.get("Contents", [])),
        }
    return state


def deregister(local_aws, outputs: dict, users: list[str]) -> None:
    """Remove the riders again (row, faces, thumbnails): the module's other uploads reuse the
    only two faces the sample photos have."""
    for user, left in registration_state(local_aws, outputs, users).items():
        if left["row"]:
            local_aws.client("dynamodb").delete_item(
                TableName=outputs["table_name"], Key={"userId": {"S": user}}
            )
        if left["faces"]:
            local_aws.client("rekognition").delete_faces(
                CollectionId=outputs["collection_id"], FaceIds=left["faces"]
            )
        for key in left["thumbnails"]:
            local_aws.client("s3").delete_object(Bucket=outputs["thumbnail_bucket"], Key=key)
