"""The Lecture 13 commands write their pictures to a run directory, and bad inputs name the valid choices."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from visrec.cli.main import main


def cli(capsys, *args):
    code = 0
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def digit_pngs(tmp_path_factory, digits_model):
    _, x, _ = digits_model
    folder = tmp_path_factory.mktemp("pngs")
    paths = []
    for i in range(2):
        p = folder / f"digit{i}.png"
        Image.fromarray((x[i, 0].numpy() * 255).astype(np.uint8)).save(p)
        paths.append(p)
    return paths


@pytest.mark.parametrize("method", ["saliency", "guided", "gradcam", "occlusion"])
def test_attribution_commands_write_pngs(capsys, tmp_path, digits_run, digit_pngs, method):
    out = tmp_path / method
    extra = ["--window", "3", "--stride", "1"] if method == "occlusion" else []
    code, stdout, err = cli(capsys, "explain", method, digits_run, *digit_pngs, "--out", out, *extra)
    assert code == 0, err
    assert (out / f"digit0_{method}.png").is_file() and (
        out / "plots" / f"digit1_{method}_figure.png"
    ).is_file()
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["kind"] == "explain" and cfg["config"]["method"] == method
    metrics = json.loads((out / "metrics.json").read_text())
    assert len(metrics["predictions"]) == 2 and len(metrics["predictions"][0]) == 5


def test_saliency_with_grabcut_and_filters_activations(capsys, tmp_path, rgb_run):
    code, _, err = cli(
        capsys, "explain", "saliency", rgb_run, "chelsea", "--grabcut", "--out", tmp_path / "s"
    )
    assert code == 0, err
    assert (tmp_path / "s" / "chelsea_grabcut.png").is_file()
    code, _, err = cli(
        capsys, "explain", "filters", rgb_run, "--layer", "features.4", "--out", tmp_path / "f"
    )
    assert code == 0, err
    assert (tmp_path / "f" / "filters_first_layer.png").is_file() and (
        tmp_path / "f" / "weights_features.4.png"
    ).is_file()
    code, _, err = cli(
        capsys, "explain", "activations", rgb_run, "coffee", "--layer", "features.2", "--out", tmp_path / "a"
    )
    assert code == 0, err
    assert (tmp_path / "a" / "coffee_activations_features.2.png").is_file()


def test_patches_and_tsne_on_digits(capsys, tmp_path, digits_run):
    code, _, err = cli(
        capsys,
        "explain",
        "patches",
        digits_run,
        "--layer",
        "features.2",
        "--channel",
        "1",
        "--k",
        "4",
        "--limit",
        "100",
        "--out",
        tmp_path / "p",
    )
    assert code == 0, err
    m = json.loads((tmp_path / "p" / "metrics.json").read_text())
    assert len(m["patches"]) == 4
    code, _, err = cli(capsys, "explain", "tsne", digits_run, "--limit", "64", "--out", tmp_path / "t")
    assert code == 0, err
    assert (tmp_path / "t" / "tsne_grid.png").is_file() and (
        tmp_path / "t" / "neighbours_pixels.png"
    ).is_file()


def test_classviz_command_reaches_the_class(capsys, tmp_path, digits_run):
    code, _, err = cli(
        capsys,
        "explain",
        "classviz",
        digits_run,
        "--target",
        "4",
        "--steps",
        "60",
        "--lr",
        "0.3",
        "--out",
        tmp_path / "c",
    )
    assert code == 0, err
    scores = json.loads((tmp_path / "c" / "metrics.json").read_text())["scores"]
    assert scores["4"] > 0.5 and (tmp_path / "c" / "classviz_004_4.png").is_file()


def test_attack_commands(capsys, tmp_path, digits_run, digit_pngs):
    code, _, err = cli(
        capsys,
        "attack",
        digits_run,
        *digit_pngs,
        "--method",
        "pgd",
        "--eps",
        "0.3",
        "--sweep",
        "0.05,0.3",
        "--out",
        tmp_path / "a",
    )
    assert code == 0, err
    m = json.loads((tmp_path / "a" / "metrics.json").read_text())
    assert (
        m["linf"] <= 0.3 + 1e-6
        and m["fooled"] >= 1
        and (tmp_path / "a" / "plots" / "success_vs_eps.png").is_file()
    )
    code, _, err = cli(
        capsys,
        "attack",
        digits_run,
        digit_pngs[0],
        "--method",
        "fool",
        "--target",
        "3",
        "--out",
        tmp_path / "f",
    )
    assert code == 0, err
    assert json.loads((tmp_path / "f" / "metrics.json").read_text())["after"][0][0][0] == "3"


def test_dream_invert_style_commands(capsys, tmp_path, rgb_run):
    code, _, err = cli(
        capsys,
        "dream",
        rgb_run,
        "chelsea",
        "--layer",
        "features.6",
        "--steps",
        "2",
        "--octaves",
        "2",
        "--size",
        "48",
        "--out",
        tmp_path / "d",
    )
    assert code == 0, err
    assert (tmp_path / "d" / "chelsea_dream_features.6.png").is_file()
    code, _, err = cli(
        capsys,
        "invert",
        rgb_run,
        "coffee",
        "--layers",
        "features.2,features.6",
        "--steps",
        "5",
        "--out",
        tmp_path / "i",
    )
    assert code == 0, err
    assert (tmp_path / "i" / "coffee_invert_features.6.png").is_file()
    code, _, err = cli(
        capsys,
        "style",
        "chelsea",
        "coffee",
        "--style2",
        "rocket",
        "--blend",
        "0.5",
        "--run",
        rgb_run,
        "--size",
        "32",
        "--steps",
        "3",
        "--optimizer",
        "adam",
        "--out",
        tmp_path / "st",
    )
    assert code == 0, err
    assert (tmp_path / "st" / "stylized.png").is_file()
    cfg = json.loads((tmp_path / "st" / "config.json").read_text())["config"]
    assert cfg["options"]["blend"] == [0.5, 0.5]
    code, _, err = cli(
        capsys,
        "style",
        "chelsea",
        "coffee",
        "--run",
        rgb_run,
        "--size",
        "32",
        "--steps",
        "2",
        "--style-scales",
        "0.1,10",
        "--init",
        "noise",
        "--out",
        tmp_path / "sweep",
    )
    assert code == 0, err
    assert (tmp_path / "sweep" / "stylized_x0.1.png").is_file() and (
        tmp_path / "sweep" / "stylized_x10.png"
    ).is_file()
    code, _, err = cli(
        capsys,
        "style",
        "chelsea",
        "coffee",
        "--run",
        rgb_run,
        "--optimizer",
        "sgd",
        "--out",
        tmp_path / "bad",
    )
    assert code == 2 and "'lbfgs' or 'adam'" in err
    code, _, err = cli(
        capsys,
        "style",
        "train-fast",
        "coffee",
        "rocket",
        "--run",
        rgb_run,
        "--data",
        "digits",
        "--limit",
        "8",
        "--size",
        "16",
        "--steps",
        "2",
        "--width",
        "4",
        "--out",
        tmp_path / "fast",
    )
    assert code == 0, err
    assert json.loads((tmp_path / "fast" / "model.json").read_text())["kind"] == "fast_style"
    from visrec.explain.generate.style.fast import load_fast_style

    assert load_fast_style(tmp_path / "fast").num_styles == 2
    from visrec.runs.predictor import load_predictor

    net = load_predictor(tmp_path / "fast")  # the shared loader dispatches on model.json's kind
    assert net.num_styles == 2 and net(torch.rand(1, 3, 16, 16), [0.5, 0.5]).shape == (1, 3, 16, 16)


def test_bad_inputs_name_the_valid_choices(capsys, tmp_path, digits_run, digit_pngs):
    code, _, err = cli(
        capsys,
        "explain",
        "gradcam",
        digits_run,
        digit_pngs[0],
        "--layer",
        "features.9",
        "--out",
        tmp_path / "a",
    )
    assert code == 2 and "Valid layer names" in err and "features.2" in err
    assert not (tmp_path / "a").exists()  # a user error leaves no half-written run directory
    code, _, err = cli(
        capsys, "explain", "saliency", digits_run, digit_pngs[0], "--target", "10", "--out", tmp_path / "b"
    )
    assert code == 2 and "0..9" in err
    code, _, err = cli(
        capsys, "explain", "saliency", digits_run, digit_pngs[0], "--target", "cat", "--out", tmp_path / "c"
    )
    assert code == 2 and "Valid classes" in err
    code, _, err = cli(
        capsys, "attack", digits_run, digit_pngs[0], "--method", "fool", "--out", tmp_path / "d"
    )
    assert code == 2 and "--target" in err
    code, _, err = cli(capsys, "attack", digits_run, digit_pngs[0], "--method", "cw", "--out", tmp_path / "e")
    assert code == 2 and "fgsm, pgd, pgd_l2, fool" in err
    bad = tmp_path / "not_an_image.png"
    bad.write_text("hello")
    code, _, err = cli(capsys, "explain", "saliency", digits_run, bad, "--out", tmp_path / "f")
    assert code == 2 and "not_an_image.png" in err


def test_torchvision_weight_file_instead_of_a_run(capsys, tmp_path):
    """--weights FILE --model NAME: a torchvision-layout state dict, ImageNet normalization, 1000 classes."""
    import torch

    from visrec.explain.runner import open_model
    from visrec.torch_nn import create_model

    torch.manual_seed(0)
    path = tmp_path / "tiny.pth"
    torch.save(create_model("tiny_cnn", num_classes=1000).state_dict(), path)
    model = open_model(None, weights=str(path), model="tiny_cnn")
    assert model.num_classes == 1000 and model.mean.flatten().tolist() == pytest.approx([0.485, 0.456, 0.406])
    code, _, err = cli(
        capsys,
        "explain",
        "gradcam",
        "--weights",
        path,
        "--model",
        "tiny_cnn",
        "chelsea",
        "--target",
        "281",
        "--out",
        tmp_path / "g",
    )
    assert code == 0, err
    assert json.loads((tmp_path / "g" / "metrics.json").read_text())["targets"] == ["281"]
    code, _, err = cli(capsys, "explain", "gradcam", "--weights", path, "chelsea", "--out", tmp_path / "h")
    assert code == 2 and "--model" in err
