"""``visrec generate train``: train any generative model on the shared run layer.

The loop reads top to bottom: one step is one minibatch (explicit models, the autoencoder) or one GAN
iteration (k = ``d_steps`` discriminator minibatches, then one generator step). The minibatch order of epoch
e is a permutation seeded by (seed, e) and every random draw of the step (VAE noise, GAN noise,
interpolation weights) comes from one ``torch.Generator`` whose state is checkpointed, so a resumed run
repeats an uninterrupted one exactly. Each epoch ends with a held-out score, a history record, a sample grid
(``plots/samples-epoch<e>.png``) and a checkpoint.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch

from visrec.generative.config import GenerativeConfig
from visrec.generative.data import GenerativeData, load_generative_data
from visrec.generative.figures import generator_losses_figure, samples_with_neighbours, save_grid
from visrec.generative.gan.step import gan_iteration
from visrec.generative.models import architecture, build_modules
from visrec.generative.wrapper import GenerativeModel, model_input
from visrec.runs import TrainSession
from visrec.torch_nn.checkpoint import optimizer_from_tensors, optimizer_to_tensors

__all__ = ["train", "evaluate_heldout", "load_data", "heldout_data"]


def load_data(cfg: GenerativeConfig) -> GenerativeData:
    return load_generative_data(
        cfg.data,
        binarize=cfg.resolved_binarize(),
        seed=cfg.seed,
        test_fraction=cfg.val_fraction,
        limit=cfg.limit,
        overfit=cfg.overfit,
    )


def heldout_data(model_meta: dict) -> GenerativeData:
    """The same seeded split (and binarization) a saved model was trained on, from its model.json."""
    return load_generative_data(
        model_meta["data_source"],
        binarize=model_meta["binarize"],
        seed=model_meta["split_seed"],
        test_fraction=model_meta["val_fraction"],
    )


def _device(cfg) -> torch.device:
    if cfg.device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(cfg.device)


def _optimizers(cfg: GenerativeConfig, modules) -> dict[str, torch.optim.Optimizer]:
    if cfg.is_gan:  # Adam(beta1 = 0.5) as in DCGAN; beta2 = 0.9 for WGAN-GP as in its paper
        betas = (cfg.beta1, 0.9 if cfg.model == "wgan-gp" else 0.999)
        return {n: torch.optim.Adam(m.parameters(), lr=cfg.lr, betas=betas) for n, m in modules.items()}
    params = [p for p in modules["model"].parameters() if p.requires_grad]
    if cfg.optimizer == "adamw":
        return {"model": torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)}
    if cfg.optimizer in ("sgd", "momentum", "nesterov"):
        mom = 0.0 if cfg.optimizer == "sgd" else cfg.momentum
        return {
            "model": torch.optim.SGD(
                params,
                lr=cfg.lr,
                momentum=mom,
                nesterov=cfg.optimizer == "nesterov",
                weight_decay=cfg.weight_decay,
            )
        }
    if cfg.optimizer == "rmsprop":
        return {"model": torch.optim.RMSprop(params, lr=cfg.lr, weight_decay=cfg.weight_decay)}
    return {"model": torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)}


def _state(modules, optimizers, rng: torch.Generator, session, step: int, model_meta: dict):
    """(tensors, meta) of a checkpoint: weights, optimizer state, the step RNG, the running loss."""
    tensors = {f"{n}/{k}": v for n, m in modules.items() for k, v in m.state_dict().items()}
    meta = {"step": step, "running_loss": session.running_loss, "model_meta": model_meta, "optimizers": {}}
    for name, opt in optimizers.items():
        t, structure = optimizer_to_tensors(opt)
        tensors.update({f"opt_{name}/{k}": v for k, v in t.items()})
        meta["optimizers"][name] = structure
    tensors["rng/steps"] = rng.get_state()
    return tensors, meta


def _restore(tensors, meta, modules, optimizers, rng: torch.Generator) -> int:
    for name, module in modules.items():
        module.load_state_dict({k[len(name) + 1 :]: v for k, v in tensors.items() if k.startswith(f"{name}/")})
    for name, opt in optimizers.items():
        sub = {k[len(name) + 5 :]: v for k, v in tensors.items() if k.startswith(f"opt_{name}/")}
        optimizer_from_tensors(opt, sub, meta["optimizers"][name])
    rng.set_state(tensors["rng/steps"])
    return int(meta["step"])


def _step_loss(name: str, model, x: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    if name in ("pixelcnn", "pixelrnn"):
        return model.nll(x)  # exact NLL, nats per image (mean over the batch)
    if name == "vae":
        return model.loss(x, rng)  # negative ELBO, nats per image
    return model.loss(x)  # L2 reconstruction


@torch.no_grad()
def evaluate_heldout(
    gm: GenerativeModel, images: torch.Tensor, batch_size: int = 250, iwae_k: int = 0, seed: int = 0
) -> dict[str, float]:
    """Held-out scores of an explicit model or the autoencoder, per image (nats) and per dimension (bits).

    PixelCNN / PixelRNN: exact NLL; VAE: negative ELBO and (iwae_k > 0) the importance-weighted NLL;
    autoencoder: L2 reconstruction error. GANs have no likelihood (see :mod:`visrec.generative.evaluation`).
    """
    net, name = gm.net, gm.name
    net.eval()
    g = torch.Generator(device=gm.device).manual_seed(seed)
    dims = images[0].numel()
    sums: dict[str, float] = {}
    for i in range(0, len(images), batch_size):
        x = model_input(name, images[i : i + batch_size].to(gm.device), gm.levels, gm.likelihood)
        if name in ("pixelcnn", "pixelrnn"):
            parts = {"nll": -net.log_prob(x)}
        elif name == "vae":
            parts = {"neg_elbo": -net.elbo(x, g)}
            if iwae_k:
                parts["iwae_nll"] = -net.iwae(x, iwae_k, g)
        else:
            parts = {"l2": (net(x) - x).pow(2).flatten(1).sum(1)}
        for k, v in parts.items():
            sums[k] = sums.get(k, 0.0) + float(v.sum())
    out = {k: v / len(images) for k, v in sums.items()}
    for k in ("nll", "iwae_nll", "neg_elbo"):
        if k in out:
            out[k.replace("nll", "bpd").replace("neg_elbo", "neg_elbo_bpd")] = out[k] / (dims * math.log(2))
    return out


def train(cfg: GenerativeConfig) -> tuple[Path, dict]:
    """Train ``cfg.model`` on ``cfg.data``; returns (run directory, final metrics)."""
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    data = load_data(cfg)
    device = _device(cfg)
    build = architecture(cfg, data.image_shape, data.levels)
    torch.manual_seed(cfg.seed)  # the initial weights
    modules = {n: m.to(device) for n, m in build_modules(cfg.model, build).items()}
    optimizers = _optimizers(cfg, modules)
    model_meta = {
        "kind": "generative",
        "model": cfg.model,
        "build": build,
        "image_shape": list(data.image_shape),
        "levels": data.levels,
        "likelihood": cfg.likelihood,
        "binarize": data.binarize,
        "data": data.describe(),
        "data_source": cfg.data,
        "split_seed": cfg.seed,
        "val_fraction": cfg.val_fraction,
    }
    k = cfg.d_steps if cfg.is_gan else 1
    n = len(data.train)
    steps_per_epoch = max(1, n // (cfg.batch_size * k))
    rng = torch.Generator(device=device).manual_seed(cfg.seed)
    gm = GenerativeModel(cfg.model, modules, data.image_shape, data.levels, cfg.likelihood, model_meta)
    eval_images = data.test[: cfg.eval_size] if cfg.eval_size else data.test

    with TrainSession(
        cfg,
        command="generate train",
        total_steps=cfg.epochs * steps_per_epoch,
        write_config=False,
        resume_hint=None,
    ) as s:
        s.run.write_config(cfg, data_fingerprint=data.fingerprint, extra={"data_split": data.describe()})
        start = 0
        if s.resumed:
            tensors, meta = s.run.load_checkpoint("last", "pt")
            start = _restore(tensors, meta, modules, optimizers, rng)
            s.running_loss = meta.get("running_loss")
            s.run.rewrite_history([r for r in s.run.history() if r["step"] <= start])
        s.resume_hint = f"Resume with: visrec generate train --resume {s.run.path}"
        s.on_interrupt = lambda sess: s.run.save_checkpoint(
            "last", *_state(modules, optimizers, rng, sess, sess.step, model_meta)
        )
        perm, perm_epoch = None, -1
        for step in s.steps(start):
            epoch, pos = divmod(step, steps_per_epoch)
            if epoch != perm_epoch:  # the order of epoch e depends on (seed, e) only
                perm = torch.randperm(n, generator=torch.Generator().manual_seed(cfg.seed * 100003 + epoch))
                perm_epoch = epoch
            for m in modules.values():
                m.train()
            lo = pos * cfg.batch_size * k
            batches = [
                data.train[perm[lo + j * cfg.batch_size : lo + (j + 1) * cfg.batch_size]].to(device) for j in range(k)
            ]
            if cfg.is_gan:
                real = [model_input(cfg.model, b, data.levels) for b in batches]
                out = gan_iteration(
                    modules["generator"],
                    modules["discriminator"],
                    optimizers["generator"],
                    optimizers["discriminator"],
                    real,
                    cfg.model,
                    rng,
                    cfg.gp_weight,
                )
                s.log(loss=out["d_loss"])  # a GAN's "train_loss" is the running discriminator loss
                gan_sums = out
            else:
                x = model_input(cfg.model, batches[0], data.levels, cfg.likelihood)
                loss = _step_loss(cfg.model, modules["model"], x, rng)
                optimizers["model"].zero_grad(set_to_none=True)
                loss.backward()
                if cfg.grad_clip:
                    torch.nn.utils.clip_grad_norm_(modules["model"].parameters(), cfg.grad_clip)
                optimizers["model"].step()
                s.log(loss=float(loss.detach()))
            if (step + 1) % steps_per_epoch == 0:  # end of an epoch
                e = (step + 1) // steps_per_epoch
                record = {"train_loss": s.running_loss}
                if cfg.is_gan:
                    record.update({k2: gan_sums[k2] for k2 in ("d_loss", "g_loss", "d_real", "d_fake")})
                else:
                    scores = evaluate_heldout(gm, eval_images, seed=cfg.seed)
                    record.update({f"val_{k2}": v for k2, v in scores.items()})
                    record["val_loss"] = next(iter(scores.values()))
                s.record(epoch=float(e), **record)
                if cfg.samples_every and e % cfg.samples_every == 0 and cfg.model not in ("pixelcnn", "pixelrnn"):
                    save_grid(gm.sample(64, seed=cfg.seed), s.run.plots / f"samples-epoch{e}.png")
                s.run.save_checkpoint("last", *_state(modules, optimizers, rng, s, step + 1, model_meta))
        if s.status != "completed":  # budget or Ctrl-C mid-epoch: record where it stopped, keep a checkpoint
            if s.step % steps_per_epoch and s.running_loss is not None:
                s.record(epoch=s.step / steps_per_epoch, train_loss=s.running_loss)
            s.run.save_checkpoint("last", *_state(modules, optimizers, rng, s, s.step, model_meta))
        tensors = {f"{n_}/{k2}": v for n_, m in modules.items() for k2, v in m.state_dict().items()}
        s.run.save_model(tensors, model_meta)
        metrics = {"model": cfg.model, "data": data.describe(), "epochs_done": s.step / steps_per_epoch}
        if not cfg.is_gan:
            final = evaluate_heldout(gm, data.test, iwae_k=cfg.iwae_k if cfg.model == "vae" else 0, seed=cfg.seed)
            metrics.update({f"test_{k2}": v for k2, v in final.items()})
        n_show = 16 if cfg.model in ("pixelcnn", "pixelrnn") else 32
        samples = gm.sample(n_show, seed=cfg.seed)
        save_grid(samples, s.run.plots / "samples.png")
        samples_with_neighbours(
            samples,
            gm.real_images(data.train),
            s.run.plots / "samples-nearest-train.png",
        )
        if cfg.is_gan:
            generator_losses_figure(s.run.plots / "generator-losses.png")
        metrics = s.finish(metrics)
        return s.run.path, metrics
