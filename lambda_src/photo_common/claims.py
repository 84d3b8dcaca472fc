"""The rider's claim: the riders-table item that makes registration safe under concurrency.

CheckFaceDuplicate claims the user id (a conditional write: one photo per rider at a time);
AddFaceToIndex records the indexed face on the claim, searches the collection for that face
and settles, with conditional writes, which of several riders indexing the same face at once
wins; PersistMetadata completes the winner's item; RemovePartialRegistration undoes a claim
that failed. The item's registration fields:

- `registration`: "pending" while an execution holds the claim, "registered" once persisted
  (items written before claims existed have none and count as registered);
- `execution`: the execution holding (or having completed) the claim;
- `faceId`: the face the claim indexed (set by AddFaceToIndex, replaced when it is retried);
- `faceVerdict`: "won" when the face won, "beaten" (with `beatenBy`) when another rider's
  matching face marked it as the loser; absent while undecided.

Who wins, when several pending claims hold matching faces: an undecided match with a smaller
face id wins over ours; we mark undecided matches with a larger face id as beaten; a claim wins
by setting its verdict while it has none. Each of those writes is conditional, and a later
indexer always sees the earlier face (README, "One rider per face").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from photo_common.errors import InvalidPhotoRequestError
from photo_common.request import PhotoRequest

PENDING, REGISTERED = "pending", "registered"
WON, BEATEN = "won", "beaten"
# Expression attribute names of the claim's fields (placeholders keep clear of reserved words).
CLAIM_NAMES = {"#registration": "registration", "#execution": "execution"}


@dataclass(frozen=True)
class ClaimTask:
    """The input of the tasks that act on the claim: `{"state": the execution's state,
    "executionId": $$.Execution.Id}` (the state machine's Parameters)."""

    request: PhotoRequest
    execution_id: str
    state: Mapping

    @classmethod
    def from_event(cls, event: object) -> ClaimTask:
        if not isinstance(event, Mapping) or not isinstance(event.get("state"), Mapping):
            raise InvalidPhotoRequestError('expected {"state": {...}, "executionId": "..."}')
        execution_id = event.get("executionId")
        if not isinstance(execution_id, str) or not execution_id:
            raise InvalidPhotoRequestError("executionId must be a non-empty string")
        return cls(PhotoRequest.from_event(event["state"]), execution_id, event["state"])


def is_registered(item: Mapping) -> bool:
    return item.get("registration", REGISTERED) == REGISTERED


def holds_face(item: Mapping | None, face_id: str) -> bool:
    """The item is the claim (or registration) this face belongs to."""
    return bool(item) and item.get("faceId") == face_id


def has_won(item: Mapping) -> bool:
    return is_registered(item) or item.get("faceVerdict") == WON


@dataclass(frozen=True)
class Rival:
    user_id: str
    face_id: str
    similarity: float


@dataclass
class Judgement:
    """What AddFaceToIndex does with the matches of the face it indexed."""

    strays: list[str] = field(default_factory=list)  # this rider's other faces: deleted
    winner: Rival | None = None  # a match that wins over ours: we lose
    rivals: list[Rival] = field(default_factory=list)  # undecided, larger id: marked beaten


def judge(user_id: str, face_id: str, matches: list[dict], items: Mapping) -> Judgement:
    """Our face against its matches (SearchFaces' FaceMatches), given the items of the riders
    they belong to (`items`: user id -> item, read after the search, consistently)."""
    judgement = Judgement()
    for match in sorted(matches, key=lambda m: m["Face"]["FaceId"]):
        face = match["Face"]
        owner, other = face.get("ExternalImageId"), face["FaceId"]
        if owner == user_id:
            # Only this execution may index for the rider while it holds the claim: another
            # face of ours is from an attempt that timed out after indexing, or older leftovers.
            judgement.strays.append(other)
            continue
        item = items.get(owner)
        if not holds_face(item, other) or item.get("faceVerdict") == BEATEN:
            continue  # no claim holds it (being removed, or not recorded yet), or it lost
        rival = Rival(owner, other, match["Similarity"])
        if has_won(item) or other < face_id:
            judgement.winner = judgement.winner or rival
        else:
            judgement.rivals.append(rival)
    return judgement


def owned_by(item: Mapping | None, execution_id: str) -> bool:
    return bool(item) and item.get("execution") == execution_id
