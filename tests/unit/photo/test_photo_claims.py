"""The rider's claim (photo_common.claims): who wins a face indexed by several riders at once,
one photo per rider at a time, the completion of the winner's item and the undoing of a failed
claim. The riders table is moto's DynamoDB (its conditional writes are the point); the face
collection is a small fake whose faces match when they show the same person."""

from __future__ import annotations

import datetime
import itertools

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from photo_cleanup.handler import remove_partial_registration
from photo_common.claims import BEATEN, WON, ClaimTask, judge
from photo_common.errors import (
    ClaimLostError,
    FaceAlreadyExistsError,
    InvalidPhotoRequestError,
    RiderAlreadyRegisteredError,
)
from photo_common.settings import CleanupConfig, IndexConfig, SearchConfig
from photo_face_search.handler import check_duplicate
from photo_index_face import handler as index
from photo_notification.handler import rejection_notice
from photo_persist_metadata.handler import persist

SEARCH = SearchConfig("riders", "riders", 80)
INDEX = IndexConfig("riders", "AUTO", "riders", 80)
CLEANUP = CleanupConfig("riders", "riders", "thumbs", 80)
NOW = datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.UTC)


def match(face_id: str, user: str | None, similarity: float = 99.0) -> dict:
    face = {"FaceId": face_id} | ({"ExternalImageId": user} if user else {})
    return {"Similarity": similarity, "Face": face}


# --- judge: the pure decision -----------------------------------------------------------------


def pending(face_id: str, **extra) -> dict:
    return {"registration": "pending", "execution": "x", "faceId": face_id, **extra}


def test_a_registered_or_winning_match_wins_over_ours():
    registered = {"faceId": "f1", "registration": "registered"}
    legacy = {"faceId": "f1"}  # written before claims existed: registered
    won = pending("f9", faceVerdict=WON)
    for owner, item in (("b", registered), ("b", legacy)):
        assert judge("a", "f5", [match("f1", owner)], {owner: item}).winner.user_id == "b"
    assert judge("a", "f5", [match("f9", "c")], {"c": won}).winner.user_id == "c"


def test_an_undecided_match_wins_if_its_face_id_is_smaller_else_it_is_to_be_beaten():
    items = {"b": pending("f1"), "c": pending("f9")}
    judgement = judge("a", "f5", [match("f1", "b"), match("f9", "c")], items)
    assert judgement.winner.user_id == "b"
    judgement = judge("a", "f0", [match("f1", "b", 91.0), match("f9", "c")], items)
    assert judgement.winner is None
    assert [(r.user_id, r.face_id, r.similarity) for r in judgement.rivals] == [
        ("b", "f1", 91.0),
        ("c", "f9", 99.0),
    ]


def test_matches_no_claim_holds_or_that_lost_are_ignored_and_own_faces_are_strays():
    matches = [
        match("f1", "b"),  # b's item holds another face: this one is being removed
        match("f2", "c"),  # no item: removed, or c has not recorded it yet
        match("f3", "d"),  # beaten by someone
        match("f4", None),  # not a rider's face
        match("f6", "a"),
        match("f7", "a"),  # the rider's own: an earlier attempt's
    ]
    items = {"b": pending("f8"), "d": pending("f3", faceVerdict=BEATEN)}
    judgement = judge("a", "f5", matches, items)
    assert (judgement.winner, judgement.rivals, judgement.strays) == (None, [], ["f6", "f7"])


def test_the_claim_task_input_is_checked():
    state = {"userId": "a", "s3Bucket": "photos", "s3Key": "a/x.jpg"}
    task = ClaimTask.from_event({"state": state, "executionId": "arn:e"})
    assert (task.request.user_id, task.execution_id, task.state) == ("a", "arn:e", state)
    for event in (
        {"state": state},
        {"executionId": "e"},
        [state],
        {"state": 1, "executionId": "e"},
    ):
        with pytest.raises(InvalidPhotoRequestError):
            ClaimTask.from_event(event)


# --- the conditional writes, on moto's DynamoDB -----------------------------------------------


class Collection:
    """A face collection whose faces match when they show the same `person`."""

    exceptions = type("Exceptions", (), {"ClientError": ClientError})

    def __init__(self) -> None:
        self.faces: dict[str, tuple[str, str]] = {}  # face id -> (user id, person)
        self.ids = (f"face-{n:02d}" for n in itertools.count())
        self.person_of: dict[str, str] = {}  # photo key -> person

    def index(self, user: str, person: str, face_id: str | None = None) -> str:
        face_id = face_id or next(self.ids)
        self.faces[face_id] = (user, person)
        return face_id

    def index_faces(self, CollectionId, Image, ExternalImageId, **_):
        face_id = self.index(ExternalImageId, self.person_of[Image["S3Object"]["Name"]])
        return {"FaceRecords": [{"Face": {"FaceId": face_id, "ExternalImageId": ExternalImageId}}]}

    def matches(self, person: str, but: str | None = None) -> list[dict]:
        return [
            match(face_id, user)
            for face_id, (user, other) in sorted(self.faces.items())
            if other == person and face_id != but
        ]

    def search_faces(self, CollectionId, FaceId, **_):
        return {"FaceMatches": self.matches(self.faces[FaceId][1], but=FaceId)}

    def search_faces_by_image(self, CollectionId, Image, **_):
        return {"FaceMatches": self.matches(self.person_of[Image["S3Object"]["Name"]])}

    def delete_faces(self, CollectionId, FaceIds):
        for face_id in FaceIds:
            self.faces.pop(face_id, None)
        return {"DeletedFaces": FaceIds}


@pytest.fixture
def aws():
    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
        table = dynamodb.create_table(
            TableName="riders",
            KeySchema=[{"AttributeName": "userId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "userId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="thumbs")
        yield table, Collection(), s3


def task(user: str, key: str = "selfie.jpg", execution: str | None = None, **state) -> dict:
    request = {"userId": user, "s3Bucket": "photos", "s3Key": f"{user}/{key}", **state}
    return {"state": request, "executionId": execution or f"exec-{user}-{key}"}


def claimed(table, collection, user: str, person: str, key: str = "selfie.jpg") -> dict:
    """The rider's photo through CheckFaceDuplicate (claimed): its AddFaceToIndex input."""
    event = task(user, key)
    collection.person_of[event["state"]["s3Key"]] = person
    check_duplicate(event, SEARCH, table, collection)
    return event


def item(table, user: str) -> dict | None:
    return table.get_item(Key={"userId": user}, ConsistentRead=True).get("Item")


def test_one_photo_per_rider_at_a_time(aws):
    table, collection, _ = aws
    first = claimed(table, collection, "a", "ann", "one.jpg")
    assert check_duplicate(first, SEARCH, table, collection) == {"faceMatches": 0}  # a retry
    with pytest.raises(RiderAlreadyRegisteredError, match=r"Another photo .*a/one.jpg"):
        claimed(table, collection, "a", "ann", "two.jpg")
    assert item(table, "a")["execution"] == first["executionId"]
    table.update_item(
        Key={"userId": "a"},
        UpdateExpression="SET registration = :r",
        ExpressionAttributeValues={":r": "registered"},
    )
    with pytest.raises(RiderAlreadyRegisteredError, match="already has a registered photo"):
        claimed(table, collection, "a", "ann", "three.jpg")


def test_a_known_face_is_refused_but_the_riders_own_leftovers_are_not(aws):
    table, collection, _ = aws
    collection.index("b", "bob")
    with pytest.raises(FaceAlreadyExistsError, match=r"rider b, similarity 99\.0%"):
        claimed(table, collection, "c", "bob")
    assert item(table, "c") is None
    collection.index("a", "ann")  # an earlier attempt of rider a's left it behind
    claimed(table, collection, "a", "ann")


def test_riders_indexing_one_face_at_once_leave_one_winner_the_smallest_face_id(aws):
    table, collection, _ = aws
    events = [claimed(table, collection, user, "ann") for user in ("a", "b", "c")]
    faces = {}
    for event in events:  # every face indexed and recorded before anyone searches
        user = event["state"]["userId"]
        faces[user] = collection.index(user, "ann")
        index.record_face(
            table, ClaimTask.from_event(event).request, event["executionId"], faces[user]
        )
    outcomes = {}
    for event in reversed(events):
        request = ClaimTask.from_event(event).request
        try:
            index.settle(
                table, collection, INDEX, request, event["executionId"], faces[request.user_id]
            )
            outcomes[request.user_id] = "won"
        except FaceAlreadyExistsError as error:
            outcomes[request.user_id] = str(error)
    assert outcomes["a"] == "won"  # face-00
    assert "rider a" in outcomes["b"] and "rider a" in outcomes["c"]
    assert item(table, "a")["faceVerdict"] == WON


def test_a_winner_that_searched_too_early_is_beaten_before_it_declares(aws):
    """b indexes and searches before a indexes, so b sees no rival; a then sees b, whose face id
    is larger and still undecided, and marks it beaten: b's declaration fails."""
    table, collection, _ = aws
    a, b = claimed(table, collection, "a", "ann"), claimed(table, collection, "b", "ann")
    b_face = collection.index("b", "ann", "face-9")
    b_request = ClaimTask.from_event(b).request
    index.record_face(table, b_request, b["executionId"], b_face)
    assert index.judge("b", b_face, collection.matches("ann", but=b_face), {}).rivals == []
    collection.person_of["a/selfie.jpg"] = "ann"
    face = index.index_face(a, INDEX, table, collection)  # face-00 < face-9: a wins
    assert item(table, "a")["faceVerdict"] == WON and face["FaceId"] == "face-00"
    assert (item(table, "b")["faceVerdict"], item(table, "b")["beatenBy"]) == (BEATEN, "a")
    assert not index.win(table, b_request, b["executionId"], b_face)


def test_a_rival_that_declared_first_keeps_the_face(aws):
    table, collection, _ = aws
    a, b = claimed(table, collection, "a", "ann"), claimed(table, collection, "b", "ann")
    b_face = collection.index("b", "ann", "face-9")
    b_request = ClaimTask.from_event(b).request
    index.record_face(table, b_request, b["executionId"], b_face)
    assert index.win(table, b_request, b["executionId"], b_face)
    with pytest.raises(FaceAlreadyExistsError, match="rider b"):
        index.index_face(a, INDEX, table, collection)


def test_a_retried_index_removes_the_strays_of_the_attempt_that_timed_out(aws):
    table, collection, _ = aws
    event = claimed(table, collection, "a", "ann")
    stray = collection.index("a", "ann")  # indexed, then the function timed out
    face = index.index_face(event, INDEX, table, collection)
    assert list(collection.faces) == [face["FaceId"]] != [stray]
    assert item(table, "a")["faceId"] == face["FaceId"]


def test_indexing_without_the_claim_removes_the_face_and_stops(aws):
    table, collection, _ = aws
    event = claimed(table, collection, "a", "ann")
    table.delete_item(Key={"userId": "a"})
    with pytest.raises(ClaimLostError):
        index.index_face(event, INDEX, table, collection)
    assert collection.faces == {}


THUMBNAIL = {"s3Bucket": "thumbs", "s3Key": "a/selfie.jpg", "width": 120, "height": 120}


def winning(table, collection, user: str = "a") -> tuple[dict, dict]:
    event = claimed(table, collection, user, "ann")
    face = index.index_face(event, INDEX, table, collection)
    event["state"]["parallelResult"] = [face, {"thumbnail": THUMBNAIL}]
    return event, face


def test_persist_completes_only_this_executions_winning_claim(aws):
    table, collection, _ = aws
    event, face = winning(table, collection)
    persist(event, table, NOW)
    persist(event, table, NOW + datetime.timedelta(minutes=1))  # a retry: the same write
    stored = item(table, "a")
    assert (stored["registration"], stored["faceId"], stored["execution"]) == (
        "registered",
        face["FaceId"],
        event["executionId"],
    )
    assert stored["registeredAt"] == "2026-11-29T12:00:00.000Z" and "faceVerdict" not in stored
    with pytest.raises(ClaimLostError):
        persist({**event, "executionId": "another"}, table, NOW)


def test_a_beaten_claim_is_not_persisted(aws):
    table, collection, _ = aws
    event, _ = winning(table, collection)
    table.update_item(
        Key={"userId": "a"},
        UpdateExpression="SET faceVerdict = :b",
        ExpressionAttributeValues={":b": BEATEN},
    )
    with pytest.raises(ClaimLostError):
        persist(event, table, NOW)


def test_clean_up_removes_what_the_claim_wrote_and_frees_the_rider(aws):
    table, collection, s3 = aws
    event, face = winning(table, collection)
    stray = collection.index("a", "ann")  # indexed by an attempt that timed out unrecorded
    other = collection.index("b", "ann")  # another rider's: kept
    s3.put_object(Bucket="thumbs", Key="a/selfie.jpg", Body=b"jpeg")
    result = remove_partial_registration(event, CLEANUP, table, collection, s3)
    assert result == {
        "removed": True,
        "faceIds": sorted([face["FaceId"], stray]),
        "thumbnailKey": "a/selfie.jpg",
    }
    assert list(collection.faces) == [other]
    assert item(table, "a") is None
    assert s3.list_objects_v2(Bucket="thumbs").get("KeyCount") == 0
    assert remove_partial_registration(event, CLEANUP, table, collection, s3) == {"removed": False}
    collection.delete_faces("riders", [other])
    claimed(table, collection, "a", "ann", "again.jpg")  # the rider may try again


def test_clean_up_finds_a_face_indexed_by_an_attempt_that_timed_out_unrecorded(aws):
    table, collection, s3 = aws
    event = claimed(table, collection, "a", "ann")
    stray = collection.index("a", "ann")
    result = remove_partial_registration(event, CLEANUP, table, collection, s3)
    assert (result["faceIds"], collection.faces, item(table, "a")) == ([stray], {}, None)


def test_clean_up_leaves_another_executions_claim_alone(aws):
    table, collection, s3 = aws
    winning(table, collection)
    s3.put_object(Bucket="thumbs", Key="a/selfie.jpg", Body=b"jpeg")
    refused = task("a", "selfie.jpg", execution="refused-one")
    assert remove_partial_registration(refused, CLEANUP, table, collection, s3) == {
        "removed": False
    }
    assert item(table, "a") and len(collection.faces) == 1
    assert s3.list_objects_v2(Bucket="thumbs")["KeyCount"] == 1


# --- the rider is told ----------------------------------------------------------------------


def test_a_failure_that_is_not_about_the_photo_asks_for_another_upload():
    request = ClaimTask.from_event(task("a")).request
    timeout = {"Error": "Sandbox.Timedout", "Cause": "Task timed out after 60.00 seconds"}
    notice = rejection_notice(request, timeout)
    assert notice["error"] == "Sandbox.Timedout"
    assert "error on our side (Sandbox.Timedout)" in notice["reason"]
    assert "upload it again" in notice["reason"]
    invalid = {"Error": "InvalidImageError", "Cause": '{"errorMessage": "not an image"}'}
    assert rejection_notice(request, invalid)["reason"] == "not an image"
