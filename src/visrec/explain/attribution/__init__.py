"""Attribution methods shaped like captum's: ``Method(model[, layer]).attribute(inputs, target=...)``."""

from visrec.explain.attribution.grabcut import grabcut_from_saliency
from visrec.explain.attribution.gradcam import GuidedGradCam, LayerGradCam, gradcam_map, upsample
from visrec.explain.attribution.guided_backprop import GuidedBackprop, guided_neuron
from visrec.explain.attribution.occlusion import Occlusion, occlusion_map
from visrec.explain.attribution.saliency import Saliency, saliency_map

__all__ = [
    "Saliency",
    "saliency_map",
    "GuidedBackprop",
    "guided_neuron",
    "LayerGradCam",
    "GuidedGradCam",
    "gradcam_map",
    "upsample",
    "Occlusion",
    "occlusion_map",
    "grabcut_from_saliency",
]
