"""Caption vocabulary, the COCO caption reader and the generated shapes scenes."""

import json

import numpy as np
import pytest

from visrec.sequence.data import HELD_OUT, WordVocab, make_shapes, read_coco_captions, tokenize
from visrec.utils.errors import DataError


def test_vocabulary_special_tokens_min_count_and_round_trip():
    caps = [tokenize("A red circle."), tokenize("a blue circle"), tokenize("A RED square")]
    v = WordVocab.build(caps, min_count=2)
    assert v.words == ["<NULL>", "<START>", "<END>", "<UNK>", "a", "circle", "red"]
    ids = v.encode(tokenize("a blue circle"), max_length=4)
    assert ids.tolist() == [1, 4, 3, 5, 2, 0]
    assert v.decode(ids) == "a <UNK> circle"
    with pytest.raises(DataError, match="unknown token id 99"):
        v.decode([1, 99])


def coco_file(tmp_path, images, annotations):
    path = tmp_path / "captions_val2014.json"
    path.write_text(json.dumps({"info": {}, "images": images, "annotations": annotations}))
    return path


def test_coco_reader_groups_several_captions_per_image(tmp_path):
    images = [
        {"id": 7, "file_name": "COCO_val2014_000000000007.jpg", "height": 4, "width": 4},
        {"id": 3, "file_name": "COCO_val2014_000000000003.jpg"},
    ]
    anns = [
        {"image_id": 3, "id": 1, "caption": "A dog."},
        {"image_id": 7, "id": 2, "caption": "Two cats"},
        {"image_id": 3, "id": 3, "caption": "a brown dog"},
    ]
    for im in images:
        (tmp_path / im["file_name"]).write_bytes(b"")
    records = read_coco_captions(coco_file(tmp_path, images, anns), images_dir=tmp_path)
    assert [(r.image_id, r.captions) for r in records] == [(7, ["Two cats"]), (3, ["A dog.", "a brown dog"])]
    assert records[1].path == tmp_path / "COCO_val2014_000000000003.jpg"


def test_coco_reader_errors_name_the_file(tmp_path):
    images = [{"id": 1, "file_name": "missing.jpg"}]
    with pytest.raises(DataError, match="missing.jpg .*not in --images-dir"):
        read_coco_captions(
            coco_file(tmp_path, images, [{"image_id": 1, "caption": "x"}]), images_dir=tmp_path
        )
    with pytest.raises(DataError, match="names image_id 5, which is not in 'images'"):
        read_coco_captions(coco_file(tmp_path, images, [{"image_id": 5, "id": 9, "caption": "x"}]))
    with pytest.raises(DataError, match="no such caption file"):
        read_coco_captions(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text('{"images": 3}')
    with pytest.raises(DataError, match="'images' and 'annotations' lists"):
        read_coco_captions(tmp_path / "bad.json")


def test_shapes_are_seeded_and_hold_out_combinations():
    a, b = make_shapes(60, "train", seed=3, image_size=32), make_shapes(60, "train", seed=3, image_size=32)
    np.testing.assert_array_equal(a.images, b.images)
    assert a.captions == b.captions
    for split in ("train", "val"):
        ds = make_shapes(200, split, seed=0, image_size=32)
        assert not any((s.color, s.kind) in HELD_OUT for scene in ds.scenes for s in scene)
    novel = make_shapes(200, "novel", seed=0, image_size=32)
    assert all(any((s.color, s.kind) in HELD_OUT for s in scene) for scene in novel.scenes)
    assert not np.array_equal(make_shapes(5, "val", seed=0).images, make_shapes(5, "train", seed=0).images)


def test_shape_captions_describe_the_scene():
    ds = make_shapes(300, "train", seed=1, image_size=48)
    for scene, caps, image in zip(ds.scenes, ds.captions, ds.images, strict=True):
        for s in scene:  # the colour is really there, in the shape's grid cell
            cell = image[s.row * 16 : (s.row + 1) * 16, s.col * 16 : (s.col + 1) * 16].reshape(-1, 3)
            assert (
                np.abs(
                    cell.astype(int)
                    - {
                        "red": (220, 40, 40),
                        "green": (40, 190, 60),
                        "blue": (50, 80, 230),
                        "yellow": (230, 210, 40),
                    }[s.color]
                ).sum(1)
                == 0
            ).any()
        if len(scene) == 2:
            a, b = scene
            first = caps[0]
            word = "above" if "above" in first else "below" if "below" in first else None
            if word == "above":
                assert a.row < b.row
            elif word == "below":
                assert a.row > b.row
            else:
                assert ("left" in first) == (a.col < b.col)
        assert all(c[0] in ("a", "there", "three") for c in caps) and len(caps) >= 3
