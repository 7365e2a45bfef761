"""Deterministic generator of realistic online-class chats for demos and tests.

This module owns the sample data that `classchat demo` (and any test that
needs a realistic data directory) writes: lecture chats shaped like the real
exports -- a roll call at the start, bursts of questions, answers from the
instructor and from peers, acknowledgements, technical trouble, "continue"
requests, links, repeated questions, a break, and goodbyes, with very unequal
participation -- in Chinese, English or both, about a deep-learning or a
statistics course. It renders them in the "plain" layout
(`HH:MM:SS<TAB>  sender : text`, LF, UTF-8) under `<data_dir>/raw/<course>/`
together with `raw/roster.csv`. Everything is driven by explicit
`random.Random` instances seeded from the caller's seed, so the same seed
always gives byte-identical files; nothing reads the clock or the global RNG.
"""

from __future__ import annotations

import csv
import io
import random
import re
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

__all__ = [
    "LANGUAGES",
    "TOPICS",
    "GeneratedMessage",
    "generate_session",
    "render_plain",
    "write_demo",
]

LANGUAGES = ("zh", "en", "mixed")
TOPICS = ("deep_learning", "statistics")

# Questions a bare "yes"/"no"/"对" can answer (not requests such as "能再讲一下…吗", "could you explain…").
_YES_NO = re.compile(
    r"^(?!.*(讲|explain|go over))"  # requests to explain again are not yes/no questions
    r"(.*(吗|(?<![什怎])么|是不是|是否)[？?]?$|([^,:]*[,:] )?(is|are|does|do|can we|should)\b)",
    re.IGNORECASE,
)

# Longest a generated session may last (timestamps are squeezed to fit).
_MAX_SESSION_SECONDS = 3 * 3600 + 15 * 60


@dataclass
class GeneratedMessage:
    """One chat message: when it was sent (session local time), by whom, what."""

    sent: datetime
    sender: str
    text: str


# ---------------------------------------------------------------------------
# Content banks
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Concept:
    """One subject of discussion: its name, questions about it and answers to them, per language."""

    name: dict[str, str]
    questions: dict[str, tuple[str, ...]]
    answers: dict[str, tuple[str, ...]]


def _concept(name_zh, name_en, q_zh, q_en, a_zh, a_en) -> _Concept:
    return _Concept(
        name={"zh": name_zh, "en": name_en},
        questions={"zh": tuple(q_zh), "en": tuple(q_en)},
        answers={"zh": tuple(a_zh), "en": tuple(a_en)},
    )


_DEEP_LEARNING = (
    _concept(
        "激活函数",
        "activation functions",
        ["不知道什么时候该用什么激活函数", "激活函数为什么一定要是非线性的？", "如果不加激活函数会怎么样？"],
        [
            "how do we choose which activation function to use?",
            "why does the activation have to be non-linear?",
            "what happens if we drop the activation entirely?",
        ],
        ["不加激活函数的话，多层叠起来还是线性的", "隐藏层一般先用relu试试", "非线性才能拟合复杂的函数"],
        [
            "without it, stacking layers is still just one linear map",
            "ReLU is the usual default for hidden layers",
            "the non-linearity is what lets the net fit curved boundaries",
        ],
    ),
    _concept(
        "relu",
        "ReLU",
        [
            "relu 的输出始终大于等于0，会不会有问题？",
            "relu 在0点不可导怎么办？",
            "lstm里的tanh可以换成relu吗",
        ],
        [
            "ReLU isn't differentiable at 0, how does backprop handle that?",
            "what is a dying ReLU?",
            "can we use ReLU inside an LSTM instead of tanh?",
        ],
        [
            "0点直接取次梯度，实际影响不大",
            "负区间梯度为0，所以会有神经元死掉，可以用leaky relu",
            "正区间梯度恒为1，所以不容易梯度消失",
        ],
        [
            "frameworks just use 0 as the gradient there, it doesn't matter in practice",
            "dead units: negative inputs give zero gradient, leaky ReLU fixes that",
            "the gradient is 1 for positive inputs, so it doesn't vanish",
        ],
    ),
    _concept(
        "sigmoid",
        "sigmoid",
        [
            "sigmoid不也是全部0~1吗，为什么不稳定？",
            "为什么中间层很少用sigmoid？",
            "sigmoid 和 softmax 什么关系？",
        ],
        [
            "why is sigmoid bad in hidden layers?",
            "is softmax just sigmoid for many classes?",
            "why does sigmoid saturate?",
        ],
        [
            "sigmoid两头饱和，梯度接近0",
            "sigmoid一般只用在最后一层做二分类",
            "二分类的时候softmax就退化成sigmoid",
        ],
        [
            "it saturates at both ends so the gradient is nearly zero",
            "sigmoid is mostly used at the output for binary classification",
            "softmax with two classes reduces to sigmoid",
        ],
    ),
    _concept(
        "tanh",
        "tanh",
        ["循环神经网络一般用哪个激活函数呢？", "tanh比sigmoid好在哪？"],
        ["why do RNNs use tanh?", "what does tanh do better than sigmoid?"],
        ["循环一般用tanh", "tanh是以0为中心的，收敛快一点"],
        ["tanh is zero-centred, that helps the updates", "RNN cells mostly use tanh plus sigmoid gates"],
    ),
    _concept(
        "梯度消失",
        "vanishing gradients",
        ["梯度消失是怎么产生的？", "残差连接为什么能缓解梯度消失？", "梯度消失和梯度爆炸可以同时出现吗"],
        [
            "where does the vanishing gradient actually come from?",
            "why do residual connections help with vanishing gradients?",
            "can gradients vanish and explode in the same net?",
        ],
        [
            "链式法则连乘，每层都小于1就越乘越小",
            "残差相当于给梯度开了一条直通的路",
            "梯度爆炸一般用gradient clipping",
        ],
        [
            "the chain rule multiplies many factors below 1, so it shrinks layer by layer",
            "the skip connection gives the gradient a direct path back",
            "for exploding gradients people use gradient clipping",
        ],
    ),
    _concept(
        "偏置",
        "the bias term",
        [
            "偏置项b是必须的吗？",
            "过拟合的坏处是什么？",
            "正则项和过拟合是一回事吗",
            "权重衰减能不能缓解过拟合？",
        ],
        [
            "do we always need the bias term?",
            "why is a non-zero-centred output a problem?",
            "is the bias term the same as bias in bias-variance?",
        ],
        [
            "输出全正的话，同一行权重的梯度要么全正要么全负，只能之字形更新",
            "偏置项是让分界面不必过原点",
            "不是一个东西，偏置项就是参数b",
        ],
        [
            "if all inputs are positive, the weight gradients all share a sign, so updates zig-zag",
            "the bias lets the boundary move off the origin",
            "different thing: the bias term is just the parameter b",
        ],
    ),
    _concept(
        "反向传播",
        "backprop",
        ["反向传播的时候权重是同时更新的吗？", "反向传播和链式法则是什么关系？", "卷积核参数如何更新啊"],
        [
            "are all the weights updated at the same time in backprop?",
            "is backprop just the chain rule?",
            "how does backprop work through a max-pool layer?",
        ],
        ["先把所有梯度算完再一起更新", "本质就是链式法则，从后往前算", "卷积核参数也是靠反向传播学出来的"],
        [
            "you compute all gradients first, then update everything in one step",
            "yes, it's the chain rule applied from the loss backwards",
            "the gradient only flows to the max position in pooling",
        ],
    ),
    _concept(
        "过拟合",
        "overfitting",
        ["怎么判断是不是过拟合了？", "数据量小的时候怎么防止过拟合？", "过拟合和方差大是一个意思吗"],
        [
            "how can we tell we are overfitting?",
            "what can we do about overfitting with a small dataset?",
            "is overfitting the same as high variance?",
        ],
        [
            "训练集loss一直降，验证集loss开始升，就是过拟合",
            "数据增强、正则、early stopping都可以",
            "可以这么理解，过拟合就是方差大",
        ],
        [
            "training loss keeps falling while validation loss goes up",
            "augmentation, weight decay and early stopping all help",
            "roughly, yes: overfitting means high variance",
        ],
    ),
    _concept(
        "正则项",
        "regularization",
        ["什么是正则项？", "L1是不是相比L2会产生更多值为0的weight？", "正则化系数怎么选？"],
        [
            "what does the regularization term actually do?",
            "why does L1 give sparse weights but L2 doesn't?",
            "how do we choose lambda?",
        ],
        [
            "正则项是约束参数的，主要是防止过拟合",
            "L1 -> weight更稀疏，L2 -> weight更小",
            "正则系数一般用验证集调",
        ],
        [
            "it penalises large weights so the model stays simpler",
            "L1 pushes weights to exactly zero, L2 just shrinks them",
            "tune lambda on a validation set",
        ],
    ),
    _concept(
        "BN",
        "batch norm",
        ["数据归一化和BN什么关系？", "BN在测试的时候怎么算均值？", "batch很小的时候BN还有用吗"],
        [
            "what's the difference between input normalization and batch norm?",
            "what does batch norm use at test time?",
            "does batch norm still work with tiny batches?",
        ],
        [
            "数据归一化在输入层，BN在中间层",
            "测试时用训练时的滑动平均",
            "batch太小可以换成layer norm或group norm",
        ],
        [
            "input normalization is done once on the data, batch norm runs inside the network",
            "at test time it uses running averages from training",
            "with tiny batches people switch to layer norm or group norm",
        ],
    ),
    _concept(
        "卷积核",
        "conv kernels",
        ["卷积核中的值，是人为给定的还是学习出来的？", "为什么要多个卷积核？", "这个乘法是对应位置相乘吗"],
        [
            "are the kernel values learned or hand-designed?",
            "why do we need more than one kernel?",
            "is the convolution just element-wise multiply and sum?",
        ],
        [
            "学的，就是CNN的weight",
            "一个卷积核是一个特征提取器，多个卷积核提取多个特征",
            "对应相乘再求和得一个值",
        ],
        [
            "learned, they're just the CNN's weights",
            "each kernel picks up one kind of feature, so you want many",
            "yes, multiply element-wise and sum to one number",
        ],
    ),
    _concept(
        "池化",
        "pooling",
        ["池化为什么有参数啊", "池化会不会遇上不能整除的情况", "max pooling和average pooling怎么选？"],
        [
            "does pooling have any learnable parameters?",
            "what happens when the size doesn't divide evenly?",
            "when should we use average pooling instead of max?",
        ],
        ["池化本身没有参数，只有窗口大小和步长", "不能整除可以做padding", "一般max pooling用得多"],
        [
            "no learnable parameters, just window size and stride",
            "you pad, or the framework drops the remainder",
            "max pooling is the usual default",
        ],
    ),
    _concept(
        "学习率",
        "the learning rate",
        ["学习率一般设多少？", "loss一直震荡是不是学习率太大了", "学习率衰减有必要吗"],
        [
            "what's a good starting learning rate?",
            "is the loss oscillating because the learning rate is too high?",
            "do we really need a learning rate schedule?",
        ],
        ["adam的话一般先试1e-3", "震荡多半是学习率太大，调小试试", "后期衰减一下一般会好一点"],
        [
            "1e-3 with Adam is a common first try",
            "oscillation usually means the step is too big",
            "a schedule usually helps at the end of training",
        ],
    ),
    _concept(
        "dropout",
        "dropout",
        ["dropout测试的时候也要用吗？", "dropout为什么能防止过拟合？"],
        ["do we keep dropout on at test time?", "why does dropout reduce overfitting?"],
        ["测试时关掉，训练时按比例缩放", "相当于训练了很多子网络做平均"],
        [
            "no, it's off at test time and activations are rescaled during training",
            "it's like averaging many thinned networks",
        ],
    ),
    _concept(
        "交叉熵",
        "cross-entropy",
        ["MSE可以用在分类问题吗", "多分类问题也是用交叉熵吗?", "交叉熵和KL散度什么关系？"],
        [
            "can we use MSE for classification?",
            "why is cross-entropy better than MSE for classification?",
            "how is cross-entropy related to KL divergence?",
        ],
        ["可以，但是效果不好", "多分类一般用softmax加交叉熵", "交叉熵等于KL散度加上一个常数"],
        [
            "you can, it just trains worse",
            "cross-entropy gives bigger gradients when the prediction is badly wrong",
            "cross-entropy is KL divergence plus a constant",
        ],
    ),
    _concept(
        "padding",
        "padding",
        ["为什么7X5卷积后变成4X5了", "padding一般补0吗？"],
        ["why does the output shrink after convolution?", "do we always pad with zeros?"],
        ["因为没padding，(7-4)/1+1=4", "一般补0，也有reflect padding"],
        [
            "no padding, so the output is (n - k)/stride + 1",
            "zeros are the default, reflect padding exists too",
        ],
    ),
)

_STATISTICS = (
    _concept(
        "p值",
        "the p-value",
        ["p值小于0.05就说明结论是对的吗？", "p值到底是什么意思？", "为什么是0.05不是0.01？"],
        [
            "what does the p-value actually mean?",
            "does p < 0.05 mean the null hypothesis is false?",
            "why 0.05 and not 0.01?",
        ],
        [
            "p值是假设原假设成立时，看到这么极端结果的概率",
            "不是，p值不是原假设为真的概率",
            "0.05只是惯例，有的领域用0.005",
        ],
        [
            "it's the probability of data at least this extreme if the null were true",
            "no, it's not the probability that the null is true",
            "0.05 is just a convention, some fields use 0.005",
        ],
    ),
    _concept(
        "置信区间",
        "confidence intervals",
        [
            "95%置信区间是说参数有95%的概率在里面吗？",
            "置信区间为什么样本越大越窄？",
            "中位数的置信区间怎么算？",
        ],
        [
            "does a 95% CI mean there's a 95% chance the mean is inside?",
            "why does the interval get narrower with more data?",
            "how do we get a CI for a median?",
        ],
        ["不是，是重复抽样时95%的区间会包含真值", "标准误跟根号n成反比", "中位数可以用bootstrap"],
        [
            "no, 95% of intervals built this way would cover the true value",
            "the standard error shrinks like 1/sqrt(n)",
            "for a median you can bootstrap it",
        ],
    ),
    _concept(
        "标准误",
        "the standard error",
        ["标准差和标准误有什么区别？", "为什么要除以根号n？"],
        [
            "what's the difference between standard deviation and standard error?",
            "why do we divide by sqrt(n)?",
        ],
        ["标准差描述数据的离散，标准误描述估计量的离散", "均值的方差是sigma方除以n，开个根号"],
        [
            "SD describes the data, SE describes the estimate",
            "the variance of the mean is sigma^2/n, take the root",
        ],
    ),
    _concept(
        "中心极限定理",
        "the central limit theorem",
        ["中心极限定理需要样本多大才成立？", "原始数据不是正态也可以用吗？"],
        [
            "how large does n need to be for the CLT to kick in?",
            "does the CLT work if the data is very skewed?",
            "is the CLT about the data or about the sample mean?",
        ],
        ["经验上30左右，偏态严重要更多", "可以，说的是样本均值的分布趋于正态"],
        [
            "30 is the rule of thumb, more if the data is skewed",
            "it's about the sampling distribution of the mean, not the data",
            "heavy skew needs a bigger n",
        ],
    ),
    _concept(
        "假设检验",
        "hypothesis testing",
        ["原假设怎么选？", "不能拒绝原假设是不是就等于接受原假设？", "第一类错误和第二类错误怎么区分？"],
        [
            "how do we decide which hypothesis is the null?",
            "is failing to reject the same as accepting H0?",
            "what's the difference between a type I and type II error?",
        ],
        ["原假设一般是没有差异、没有效果", "不等于，只能说证据不够", "第一类是误报，第二类是漏报"],
        [
            "the null is usually 'no effect' or 'no difference'",
            "no, it only means the evidence isn't strong enough",
            "type I is a false alarm, type II is a miss",
        ],
    ),
    _concept(
        "t检验",
        "the t-test",
        ["什么时候用t检验什么时候用z检验？", "配对t检验和两样本t检验怎么区分？", "两组方差不一样怎么办？"],
        [
            "when do we use a t-test instead of a z-test?",
            "how do I know if I need a paired t-test?",
            "what if the two groups have different variances?",
        ],
        ["总体方差未知、样本小就用t检验", "同一批人前后测量就是配对", "方差不等用Welch t检验"],
        [
            "t-test when the population SD is unknown, which is basically always",
            "paired if the same subjects are measured twice",
            "use Welch's t-test, it doesn't assume equal variances",
        ],
    ),
    _concept(
        "线性回归",
        "linear regression",
        ["回归系数怎么解释？", "残差一定要正态吗？", "最小二乘为什么用平方不用绝对值？"],
        [
            "how do we interpret the slope when there are other variables?",
            "do the residuals have to be normal?",
            "why squared errors and not absolute errors?",
        ],
        ["其他变量不变时，x加1，y平均变化多少", "做推断的时候才需要残差近似正态", "平方可导，而且有解析解"],
        [
            "change in y per unit of x, holding the others fixed",
            "only for the inference part, the fit itself doesn't need it",
            "squares give a closed-form solution, absolute errors give median regression",
        ],
    ),
    _concept(
        "相关和因果",
        "correlation vs causation",
        ["相关系数为0说明没关系吗？", "怎么才能证明因果？", "混杂变量是什么意思？"],
        [
            "does zero correlation mean no relationship?",
            "so how do we ever show causation?",
            "what is a confounder exactly?",
        ],
        ["只是没有线性关系，可能有非线性关系", "随机对照实验最直接", "混杂变量同时影响x和y"],
        [
            "only no linear relationship, it could still be a curve",
            "randomized experiments are the cleanest way",
            "a confounder drives both x and y",
        ],
    ),
    _concept(
        "样本方差",
        "the sample variance",
        ["样本方差为什么除以n-1？", "方差和标准差用哪个好？"],
        ["why n-1 in the sample variance?", "why not just use the mean absolute deviation?"],
        ["除以n-1才是无偏估计", "标准差和原数据单位一样，好解释"],
        ["dividing by n-1 makes it unbiased", "the variance has nicer math, MAD is more robust"],
    ),
    _concept(
        "贝叶斯",
        "Bayes' theorem",
        ["先验怎么选？", "贝叶斯和频率学派的区别是什么？", "检测阳性为什么患病概率还是很低？"],
        [
            "how do we choose a prior?",
            "what's the practical difference between Bayesian and frequentist?",
            "why is a positive test still unlikely to mean disease?",
        ],
        ["没有信息就用弱信息先验", "贝叶斯把参数当随机变量", "基础发病率太低，大部分阳性是假阳性"],
        [
            "weakly informative priors are a safe default",
            "Bayesians treat the parameter as random",
            "the base rate is tiny, so most positives are false positives",
        ],
    ),
    _concept(
        "抽样偏差",
        "sampling bias",
        ["网上问卷算随机抽样吗？", "幸存者偏差也是抽样偏差吗？"],
        ["is an online survey a random sample?", "is survivorship bias a kind of sampling bias?"],
        ["不算，只有愿意填的人会填", "算，样本只包括留下来的"],
        ["no, it's self-selected", "yes, you only see the ones that survived"],
    ),
    _concept(
        "缺失值",
        "missing values",
        ["缺失值直接删掉可以吗？", "用均值填充有什么问题？"],
        ["can we just drop rows with missing values?", "what's wrong with filling in the mean?"],
        ["完全随机缺失的时候可以删", "均值填充会低估方差"],
        ["only if they're missing completely at random", "mean imputation shrinks the variance"],
    ),
    _concept(
        "自由度",
        "degrees of freedom",
        ["自由度到底是什么？", "为什么卡方检验的自由度是(r-1)(c-1)？"],
        ["what are degrees of freedom intuitively?", "why is it (r-1)(c-1) for the chi-square test?"],
        ["能自由变化的数的个数", "行和列的合计固定了，剩下能自由填的格子就这么多"],
        [
            "how many values can vary once the constraints are fixed",
            "once the row and column totals are fixed, only that many cells are free",
        ],
    ),
    _concept(
        "R方",
        "R-squared",
        ["R方越高模型越好吗？", "调整R方和R方有什么区别？"],
        ["is a higher R-squared always better?", "what's adjusted R-squared for?"],
        ["不一定，加变量R方只会变大", "调整R方会惩罚变量个数"],
        ["no, adding variables never lowers it", "adjusted R-squared penalises extra predictors"],
    ),
    _concept(
        "bootstrap",
        "the bootstrap",
        ["bootstrap为什么要有放回抽样？", "bootstrap一般重复多少次？"],
        ["why do we resample with replacement?", "how many bootstrap samples is enough?"],
        ["不放回的话每次都是原样本", "一般1000到10000次"],
        ["without replacement you'd just get the same sample back", "a few thousand is usually plenty"],
    ),
    _concept(
        "正态分布",
        "the normal distribution",
        ["怎么检验数据是不是正态的？", "数据不正态怎么办？"],
        ["how do we check if data is normal?", "what if the data isn't normal?"],
        ["看QQ图，或者Shapiro检验", "可以取对数，或者用非参数检验"],
        ["a QQ plot is the quickest check", "log-transform it or use a non-parametric test"],
    ),
)

_CONCEPTS = {"deep_learning": _DEEP_LEARNING, "statistics": _STATISTICS}

# Comments that are neither questions nor answers, per topic and language.
_REMARKS = {
    "deep_learning": {
        "zh": (
            "人脑给一两个样本就学会了",
            "这个得要GPU来算",
            "学过",
            "作业1那个卷积也是醉了",
            "这页PPT信息量好大",
            "原来如此，以前一直没想明白",
            "cs231n里也讲过这个",
            "感觉跟调参玄学一样 哈哈",
            "我之前用relu效果确实好很多",
            "这个图画得好清楚",
            "loss曲线终于看懂了",
            "记笔记记不过来了",
            "hhh",
            "麻木 哈哈哈",
            "受内伤了",
        ),
        "en": (
            "cs231n covers this too",
            "this slide is dense",
            "so much of this is trial and error lol",
            "ReLU worked way better in my homework",
            "finally the loss curves make sense",
            "the diagram helps a lot",
            "taking notes as fast as I can",
            "haha",
            "my laptop GPU would cry",
        ),
    },
    "statistics": {
        "zh": (
            "终于懂p值了",
            "统计学真的是反直觉",
            "R里面lm一行就出来了",
            "这个图好直观",
            "上学期就是这里没学懂",
            "记笔记记不过来了",
            "哈哈哈",
            "模拟一下就清楚了",
            "学过",
            "这个例子好",
        ),
        "en": (
            "R does this in one line with lm()",
            "statistics is so counterintuitive",
            "this is where I got lost last semester",
            "that simulation is really helpful",
            "so basically everything is a regression",
            "taking notes as fast as I can",
            "lol",
            "the applet makes it click",
        ),
    },
}

_LINKS = {
    "deep_learning": (
        "https://cs231n.github.io/neural-networks-1/",
        "https://www.deeplearningbook.org/",
        "https://pytorch.org/docs/stable/nn.html",
        "https://en.wikipedia.org/wiki/Rectifier_(neural_networks)",
        (
            "https://stats.stackexchange.com/questions/237169/"
            "why-are-non-zero-centered-activation-functions-a-problem-in-backpropagation"
        ),
    ),
    "statistics": (
        "https://seeing-theory.brown.edu/",
        "https://en.wikipedia.org/wiki/Central_limit_theorem",
        "https://docs.scipy.org/doc/scipy/reference/stats.html",
        "https://www.openintro.org/book/os/",
        "https://rpsychologist.com/d3/ci/",
    ),
}

# Topic-independent lines, per language.
_BANK = {
    "zh": {
        "roll_call": ("1", "1", "1", "1", "有", "有", "在", "老师好", "1 老师好", "来了"),
        "open": ("大家能听到吗？能听到的扣1", "同学们好，我们准备开始了，能听到扣个1", "声音清楚吗？"),
        "generic_q": (
            "{t}是什么意思？",
            "{t}怎么理解啊",
            "能再讲一下{t}吗",
            "{t}和{u}有什么关系？",
            "{t}考试会考吗",
        ),
        "q_prefix": ("老师，", "老师 ", "请问", "问一下，"),
        "q_tail": ("还是说我理解错了", "有点没想明白", "求解答", "没太懂"),
        "follow_up": ("为什么啊", "为啥", "那{u}呢？", "还是不太理解，可以再说一下吗", "为啥效果不太好"),
        "short_answer": ("对", "是的", "不是", "应该是吧", "是", "对的", "不一定"),
        "defer": ("后面会讲", "PPT上一页有", "书上有讲"),
        "elaborate": (
            "你拿一个小例子自己推一遍就清楚了",
            "看一下PPT上的推导",
            "可以先记住结论，后面做作业的时候就理解了",
            "{t}可以从图上直观理解",
            "这个跟{t}的定义有关",
        ),
        "instr_prefix": ("", "", "好问题，", "对，", "嗯，", "这个问题很好，"),
        "ack": (
            "谢谢",
            "谢谢老师",
            "懂了",
            "明白了",
            "噢 我懂了",
            "好的谢谢",
            "OK",
            "了解了，谢谢老师",
            "嗯嗯",
            "原来如此",
            "謝謝老師~",
            "好叻谢谢",
        ),
        "thank_helper": ("谢谢{h}~", "理解，谢谢{h}", "嗯嗯，谢谢 {h}"),
        "same_q": ("同问", "同问+1", "+1", "我也想问这个"),
        "confused": ("没听懂", "这里没太懂", "有点懵", "能再讲一遍吗", "这页太快了", "啥意思", "没跟上"),
        "confused_too": ("同问", "+1", "我也没懂", "同没懂", "有点懵"),
        "clarify": ("好，我再讲一下{t}", "我换个说法再讲一遍{t}", "大家看PPT上这个例子"),
        "poll": (
            ("大家有问题吗？", ("没", "没有", "没问题", "1", "有一点")),
            ("这部分听懂了吗？", ("懂了", "听懂了", "1", "有点懵", "懂了懂了")),
            ("到这里有没有问题？", ("没", "没有", "1", "没问题")),
        ),
        "tech": (
            "听不到了",
            "怎么突然听不到了",
            "卡了",
            "老师卡了",
            "画面卡住了",
            "PPT没翻页",
            "声音断断续续的",
            "谁没静音啊，麻烦静音",
            "卡住了么",
            "屏幕黑了",
        ),
        "tech_reply": ("我这正常", "我也卡了", "+1 卡了", "刷新一下试试", "重进一下", "我这可以听到"),
        "tech_instr": ("现在能听到吗？", "现在好了吗？", "我重新共享一下屏幕"),
        "tech_fixed": ("有了", "好了", "可以了", "恢复了"),
        "continue": (
            "继续吧",
            "继续",
            "老师我们继续往下讲吧",
            "是不是可以继续了 hhh",
            "继续吧老师",
            "继续继续",
        ),
        "instr_continue": ("好，我们继续", "那我们往下讲", "好的，继续"),
        "link_intro": ("参考这个 ", "这个讲得挺清楚 ", "", "课件链接："),
        "break": ("我们休息10分钟", "先休息一下，10分钟后回来"),
        "break_ok": ("好的", "好", "1"),
        "back": ("好，我们回来继续", "大家回来了吗？我们继续"),
        "reask": ("再问一下：", "老师，", "刚才的问题："),
        "react": ("哈哈哈", "+1", "hhh", "确实", "真的"),
        "closing": ("谢谢老师 辛苦了", "谢谢老师", "老师辛苦了", "谢谢老师！", "拜拜", "谢谢老师~"),
        "instr_closing": (
            "今天就到这里，作业在群里",
            "今天先讲到这，大家下周见",
            "好，今天就到这里，有问题群里问",
        ),
    },
    "en": {
        "roll_call": ("here", "Here!", "1", "1", "present", "hi everyone", "hello", "hi"),
        "open": (
            "Can everyone hear me? Type 1 in the chat if yes",
            "Hi all, we'll start in a minute. Can you hear me?",
            "Is the audio OK?",
        ),
        "generic_q": (
            "what exactly do we mean by {t}?",
            "could you explain {t} again?",
            "how is {t} related to {u}?",
            "is {t} on the exam?",
        ),
        "q_prefix": ("Professor, ", "quick question: ", "sorry, ", ""),
        "q_tail": ("or am I missing something", "sorry if this was covered", "still a bit lost"),
        "follow_up": (
            "why though?",
            "what about {u}?",
            "still not sure I get it, could you say more?",
            "why is that?",
        ),
        "short_answer": ("yes", "right", "I think so", "no, not really", "correct", "yep", "not always"),
        "defer": ("it's on the next slide", "it's in this week's reading", "I think that's covered later"),
        "elaborate": (
            "work through a tiny example by hand and it clicks",
            "the derivation on the slide shows it step by step",
            "it follows from the definition of {t}",
            "a quick simulation makes it obvious",
        ),
        "instr_prefix": ("", "", "Good question: ", "Yes - ", "Right, ", "Great question. "),
        "ack": (
            "thanks",
            "thank you!",
            "ok",
            "got it",
            "ah ok that makes sense",
            "makes sense now",
            "ty",
            "ok thanks",
            "cool, thanks",
            "oh I see",
            "got it, thanks",
        ),
        "thank_helper": ("thanks {h}!", "that helps, thanks {h}", "ty {h}"),
        "same_q": ("same question", "+1", "I was wondering the same", "same"),
        "confused": (
            "lost here",
            "I'm confused",
            "can you go over that again?",
            "too fast",
            "what does that mean?",
            "I didn't follow that",
        ),
        "confused_too": ("same", "+1", "same here", "me too", "also lost"),
        "clarify": (
            "OK, let me go over {t} again",
            "Let me explain {t} another way",
            "Look at the example on this slide",
        ),
        "poll": (
            ("Any questions so far?", ("no", "nope", "no questions", "all good", "1")),
            ("Is this part clear?", ("yes", "clear", "1", "mostly", "yep")),
            ("Questions before we move on?", ("no", "all good", "nope", "1")),
        ),
        "tech": (
            "can't hear you",
            "I can't hear anything",
            "audio is cutting out",
            "you're muted",
            "Professor, you're on mute",
            "the screen is frozen",
            "slides aren't moving for me",
            "someone's mic is on",
        ),
        "tech_reply": ("works for me", "same here", "try rejoining", "fine on my end", "same, frozen"),
        "tech_instr": ("Is it better now?", "Can you hear me now?", "Let me reshare my screen"),
        "tech_fixed": ("it's back", "fine now", "can hear now", "ok now"),
        "continue": ("go on", "let's move on", "please continue", "we can go on", "ok go on"),
        "instr_continue": ("OK, let's continue", "Alright, moving on", "Good, let's keep going"),
        "link_intro": ("this helped me: ", "see ", "", "slides: "),
        "break": ("Let's take a 10 minute break", "Short break, back in 10"),
        "break_ok": ("ok", "thanks", "1"),
        "back": ("OK, we're back", "Welcome back, let's continue"),
        "reask": ("asking again: ", "(repost) ", "sorry to repeat: "),
        "react": ("haha", "+1", "lol", "true", "so true"),
        "closing": (
            "thank you!",
            "thanks professor",
            "thanks, see you next week",
            "bye",
            "thank you, great lecture",
            "thanks!",
        ),
        "instr_closing": (
            "That's it for today, homework is on the course page",
            "See you all next week",
            "OK, we'll stop here. Post questions on the forum",
        ),
    },
}


# ---------------------------------------------------------------------------
# Session generation
# ---------------------------------------------------------------------------


def _check_name(name: str, what: str) -> None:
    if not name or name != name.strip() or " : " in name or any(c in name for c in "\t\r\n"):
        raise ValueError(
            f"{what} {name!r} cannot be rendered: empty, padded, or contains ' : ', a tab or a newline"
        )


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def _zh_share(name: str) -> float:
    """How often a participant of a bilingual course writes Chinese; stable per name (not per run)."""
    jitter = (zlib.crc32(name.encode("utf-8")) % 21) / 100  # 0.00 .. 0.20
    if _has_cjk(name):
        return 0.75 + jitter
    if name.isdigit():
        return 0.55 + jitter
    return 0.15 + jitter


class _Session:
    """Builds one session as a list of (gap kind, gap seconds, sender, text); times come later."""

    def __init__(self, rng, participants, instructor, language, topic):
        self.rng = rng
        self.students = [p for p in participants if p != instructor]
        if not self.students:
            raise ValueError("participants must name at least one student besides the instructor")
        self.instructor = instructor
        self.language = language
        self.concepts = _CONCEPTS[topic]
        self.remarks = _REMARKS[topic]
        self.links = _LINKS[topic]
        # Participation follows a Zipf-like law by position: the first few carry the chat.
        cum, total = [], 0.0
        for i in range(len(self.students)):
            total += 1.0 / (i + 1) ** 1.2
            cum.append(total)
        self.cum_weights = cum
        self.zh_share = {p: _zh_share(p) for p in self.students} if language == "mixed" else {}
        self.events: list[tuple[str, float, str, str]] = []
        self.pending: list[tuple[str, str]] = []  # unanswered questions: (asker, text)
        self.used: set[str] = set()  # concept texts already said this session (people rarely repeat verbatim)
        self.current = rng.choice(self.concepts)
        self.quiet_start = False
        self.last_question = ""  # what the current thread asks, to fit short answers to yes/no questions

    # -- small helpers -------------------------------------------------------
    def lang_of(self, sender: str) -> str:
        if self.language != "mixed":
            return self.language
        if sender == self.instructor:
            return "zh" if self.rng.random() < 0.5 else "en"
        return "zh" if self.rng.random() < self.zh_share[sender] else "en"

    def say(self, sender: str, text: str, gap: float, kind: str = "intra") -> None:
        self.events.append((kind, gap, sender, " ".join(text.split())))

    def pick(self, lang: str, key: str) -> str:
        return self.rng.choice(_BANK[lang][key])

    def student(self, exclude: tuple[str, ...] = ()) -> str:
        choices = self.rng.choices
        for _ in range(20):
            s = choices(self.students, cum_weights=self.cum_weights)[0]
            if s not in exclude:
                return s
        rest = [s for s in self.students if s not in exclude]
        return self.rng.choice(rest) if rest else self.students[0]

    def burst_gap(self) -> float:
        return 2.0 + min(self.rng.expovariate(1 / 12), 60.0)

    def answer_gap(self) -> float:
        return 6.0 + min(self.rng.expovariate(1 / 25), 120.0)

    def instructor_gap(self) -> float:
        return 12.0 + min(self.rng.expovariate(1 / 45), 200.0)

    def inter_gap(self) -> float:
        if self.quiet_start:  # the lecture gets going after the roll call: the chat goes quiet for a while
            self.quiet_start = False
            return self.rng.uniform(240, 840)
        r = self.rng.random()
        if r < 0.68:
            return self.rng.uniform(15, 110)
        if r < 0.92:
            return self.rng.uniform(110, 300)
        return self.rng.uniform(300, 780)  # a silence of several minutes

    def fresh(self, options: tuple[str, ...]) -> str | None:
        """A line from `options` not yet said this session, or None when a few tries find none."""
        for _ in range(4):
            text = self.rng.choice(options)
            if text not in self.used:
                self.used.add(text)
                return text
        return None

    def concept(self) -> _Concept:
        if self.rng.random() < 0.35:
            self.current = self.rng.choice(self.concepts)
        return self.current

    def name(self, concept: _Concept, lang: str) -> str:
        return concept.name[lang]

    def other_name(self, concept: _Concept, lang: str) -> str:
        other = self.rng.choice(self.concepts)
        if other is concept:
            other = self.concepts[(self.concepts.index(concept) + 1) % len(self.concepts)]
        return other.name[lang]

    def question_text(self, concept: _Concept, lang: str) -> str:
        rng = self.rng
        text = self.fresh(concept.questions[lang]) if rng.random() < 0.75 else None
        if text is None:
            text = self.pick(lang, "generic_q").format(t=concept.name[lang], u=self.other_name(concept, lang))
        if rng.random() < 0.15:
            text = self.pick(lang, "q_prefix") + text
        self.last_question = text
        return text

    def answer_text(self, concept: _Concept, lang: str, *, asker: str, instructor: bool) -> str:
        rng = self.rng
        if instructor:
            text = self.pick(lang, "instr_prefix") + (
                self.fresh(concept.answers[lang]) or self.pick(lang, "elaborate").format(t=concept.name[lang])
            )
        else:
            r = rng.random()
            text = None
            if _YES_NO.search(self.last_question) and r < 0.4:
                text = self.pick(lang, "short_answer")
            elif r < 0.12:
                text = self.pick(lang, "defer")
            text = (
                text
                or self.fresh(concept.answers[lang])
                or self.pick(lang, "elaborate").format(t=concept.name[lang])
            )
        if rng.random() < (0.3 if instructor else 0.12):
            text = f"@{asker} {text}"
        return text

    # -- episodes ------------------------------------------------------------
    def opening(self) -> None:
        rng = self.rng
        first = True
        if rng.random() < 0.6:
            self.say(self.instructor, self.pick(self.lang_of(self.instructor), "open"), 0.0, "inter")
            first = False
        k = max(1, round(len(self.students) * rng.uniform(0.25, 0.55)))
        for s in rng.sample(self.students, min(k, len(self.students))):
            self.say(
                s,
                self.pick(self.lang_of(s), "roll_call"),
                0.0 if first else rng.uniform(1, 9),
                "inter" if first else "intra",
            )
            first = False

    def question(self) -> None:
        rng = self.rng
        asker = self.student()
        lang = self.lang_of(asker)
        concept = self.concept()
        q = self.question_text(concept, lang)
        self.say(asker, q, self.inter_gap(), "inter")
        if rng.random() < 0.15:
            self.say(asker, self.pick(lang, "q_tail"), self.burst_gap())
        if rng.random() < 0.12:
            other = self.student((asker,))
            same = q if rng.random() < 0.4 else self.pick(self.lang_of(other), "same_q")
            self.say(other, same, self.burst_gap())
        if rng.random() < 0.15:
            self.pending.append((asker, q))
            return
        self.answers(asker, lang, concept, follow_up=True)

    def answers(
        self, asker: str, lang: str, concept: _Concept, *, follow_up: bool, instr_p: float = 0.35
    ) -> None:
        rng = self.rng
        n_peer = rng.choice((0, 1, 1, 1, 2, 2, 3))
        by_instructor = n_peer == 0 or rng.random() < instr_p
        helpers: list[str] = []
        instructor_first = by_instructor and rng.random() < 0.35
        if instructor_first:
            self.say(
                self.instructor,
                self.answer_text(concept, lang, asker=asker, instructor=True),
                self.instructor_gap(),
            )
        for _ in range(n_peer):
            peer = self.student((asker,))
            helpers.append(peer)
            self.say(
                peer,
                self.answer_text(concept, self.lang_of(peer), asker=asker, instructor=False),
                self.answer_gap(),
            )
        if by_instructor and not instructor_first:
            self.say(
                self.instructor,
                self.answer_text(concept, lang, asker=asker, instructor=True),
                self.instructor_gap(),
            )
        if follow_up and rng.random() < 0.2:
            text = self.pick(lang, "follow_up").format(u=self.other_name(concept, lang))
            self.last_question = text
            self.say(asker, text, self.burst_gap())
            responder = self.instructor if rng.random() < 0.5 else self.student((asker,))
            if responder != self.instructor:
                helpers.append(responder)
            self.say(
                responder,
                self.answer_text(
                    concept,
                    self.lang_of(responder) if responder != self.instructor else lang,
                    asker=asker,
                    instructor=responder == self.instructor,
                ),
                self.answer_gap(),
            )
        if rng.random() < 0.65:
            ack_lang = self.lang_of(asker)
            if helpers and rng.random() < 0.25:
                text = self.pick(ack_lang, "thank_helper").format(h=rng.choice(helpers))
            else:
                text = self.pick(ack_lang, "ack")
            self.say(asker, text, self.burst_gap())
        if len(helpers) >= 2 and rng.random() < 0.25:
            self.keep_going(inter=False)

    def reask(self) -> None:
        rng = self.rng
        asker, q = self.pending.pop(rng.randrange(len(self.pending)))
        if rng.random() < 0.6:
            text = q
        else:
            text = self.pick("zh" if _has_cjk(q) else "en", "reask") + q
        self.say(asker, text, rng.uniform(20, 240), "inter")
        self.last_question = q
        lang = "zh" if _has_cjk(q) else "en"
        concept = next(
            (c for c in self.concepts if q.endswith(c.questions[lang]) or c.name[lang] in q), self.current
        )
        self.answers(asker, lang, concept, follow_up=False, instr_p=0.75)

    def confusion(self) -> None:
        rng = self.rng
        concept = self.concept()
        first = True
        used: list[str] = []
        for _ in range(rng.randint(2, 5)):
            s = self.student(tuple(used))
            used.append(s)
            self.say(
                s,
                self.pick(self.lang_of(s), "confused" if first else "confused_too"),
                self.inter_gap() if first else rng.uniform(2, 15),
                "inter" if first else "intra",
            )
            first = False
        lang = self.lang_of(self.instructor)
        self.say(
            self.instructor, self.pick(lang, "clarify").format(t=concept.name[lang]), self.instructor_gap()
        )
        for _ in range(rng.randint(0, 2)):
            s = rng.choice(used)
            self.say(s, self.pick(self.lang_of(s), "ack"), rng.uniform(30, 150))
        if rng.random() < 0.2:
            self.keep_going(inter=False)

    def discussion(self) -> None:
        rng = self.rng
        concept = self.concept()
        first = True
        last = None
        for _ in range(rng.randint(2, 5)):
            s = self.student((last,) if last else ())
            lang = self.lang_of(s)
            text = self.fresh(concept.answers[lang]) if rng.random() < 0.45 else None
            if text is None:
                if first or rng.random() < 0.6:
                    text = self.fresh(self.remarks[lang])
                text = text or self.pick(lang, "react")
            self.say(s, text, self.inter_gap() if first else self.burst_gap(), "inter" if first else "intra")
            first = False
            last = s
        if rng.random() < 0.15:
            self.keep_going(inter=False)

    def remark(self) -> None:
        rng = self.rng
        s = self.student()
        lang = self.lang_of(s)
        self.say(s, self.fresh(self.remarks[lang]) or self.pick(lang, "react"), self.inter_gap(), "inter")
        if rng.random() < 0.3:
            other = self.student((s,))
            self.say(other, self.pick(self.lang_of(other), "react"), self.burst_gap())

    def poll(self) -> None:
        rng = self.rng
        lang = self.lang_of(self.instructor)
        question, replies = rng.choice(_BANK[lang]["poll"])
        self.say(self.instructor, question, self.inter_gap(), "inter")
        k = min(rng.randint(2, 6), len(self.students))
        for s in rng.sample(self.students, k):
            # in a bilingual course people answer in the language they were asked
            self.say(s, rng.choice(replies), rng.uniform(2, 12))

    def tech(self) -> None:
        rng = self.rng
        reporter = self.student()
        lang = self.lang_of(reporter)
        self.say(reporter, self.pick(lang, "tech"), self.inter_gap(), "inter")
        used = [reporter]
        for _ in range(rng.randint(1, 3)):
            s = self.student(tuple(used))
            used.append(s)
            self.say(s, self.pick(self.lang_of(s), "tech_reply"), rng.uniform(3, 20))
        if rng.random() < 0.45:
            self.say(
                self.instructor, self.pick(self.lang_of(self.instructor), "tech_instr"), rng.uniform(15, 60)
            )
        if rng.random() < 0.7:
            self.say(reporter, self.pick(lang, "tech_fixed"), rng.uniform(10, 90))

    def keep_going(self, inter: bool = True) -> None:
        rng = self.rng
        used: list[str] = []
        for i in range(rng.randint(1, 4)):
            s = self.student(tuple(used))
            used.append(s)
            gap = self.inter_gap() if inter and i == 0 else rng.uniform(1, 10)
            self.say(s, self.pick(self.lang_of(s), "continue"), gap, "inter" if inter and i == 0 else "intra")
        if rng.random() < 0.4:
            self.say(
                self.instructor,
                self.pick(self.lang_of(self.instructor), "instr_continue"),
                rng.uniform(5, 30),
            )

    def link(self) -> None:
        rng = self.rng
        sharer = self.instructor if rng.random() < 0.3 else self.student()
        lang = self.lang_of(sharer)
        self.say(sharer, self.pick(lang, "link_intro") + rng.choice(self.links), self.inter_gap(), "inter")
        if rng.random() < 0.4:
            s = self.student((sharer,))
            self.say(s, self.pick(self.lang_of(s), "ack"), self.burst_gap())

    def pause(self) -> None:
        rng = self.rng
        lang = self.lang_of(self.instructor)
        self.say(self.instructor, self.pick(lang, "break"), self.inter_gap(), "inter")
        for s in rng.sample(self.students, min(rng.randint(1, 3), len(self.students))):
            self.say(s, self.pick(self.lang_of(s), "break_ok"), rng.uniform(2, 15))
        self.say(
            self.instructor, self.pick(self.lang_of(self.instructor), "back"), rng.uniform(600, 720), "fixed"
        )

    def closing(self) -> list[tuple[str, float, str, str]]:
        """The goodbyes, built aside so that they can be appended after truncation."""
        rng = self.rng
        main, self.events = self.events, []
        if rng.random() < 0.7:
            self.say(
                self.instructor,
                self.pick(self.lang_of(self.instructor), "instr_closing"),
                self.inter_gap(),
                "inter",
            )
        k = min(rng.randint(1, 5), len(self.students))
        for s in rng.sample(self.students, k):
            first = not self.events
            self.say(
                s,
                self.pick(self.lang_of(s), "closing"),
                self.inter_gap() if first else rng.uniform(1, 12),
                "inter" if first else "intra",
            )
        closing, self.events = self.events, main
        return closing

    def run(self, n_messages: int) -> list[tuple[str, float, str, str]]:
        rng = self.rng
        closing = self.closing()
        n_main = max(0, n_messages - len(closing))
        self.opening()
        self.quiet_start = True
        episodes = (
            self.question,
            self.remark,
            self.discussion,
            self.confusion,
            self.poll,
            self.tech,
            self.link,
        )
        weights = (46, 14, 12, 7, 5, 6, 4)
        cum = []
        total = 0
        for w in weights:
            total += w
            cum.append(total)
        want_break = n_messages >= 80 and rng.random() < 0.75
        break_at = n_main * rng.uniform(0.4, 0.6)
        tech_at = (
            n_main * rng.uniform(0.05, 0.8) if n_messages >= 40 else n_main + 1
        )  # online class: some trouble
        while len(self.events) < n_main:
            if want_break and len(self.events) >= break_at:
                want_break = False
                self.pause()
            elif len(self.events) >= tech_at:
                tech_at = n_main + 1
                self.tech()
            elif self.pending and rng.random() < 0.08:
                self.reask()
            else:
                rng.choices(episodes, cum_weights=cum)[0]()
        return (self.events[:n_main] + closing)[:n_messages]


def _place_in_time(rng: random.Random, start: datetime, events) -> list[GeneratedMessage]:
    """Turn gaps into timestamps; squeeze quiet stretches to keep a session lecture-length, in its day."""
    offset = rng.uniform(15, 240)  # the first message comes a little after the start
    end_of_day = datetime.combine(start.date(), time(23, 59, 59))
    budget = min(_MAX_SESSION_SECONDS, max(0.0, (end_of_day - start).total_seconds() - offset))
    sums = {"inter": 0.0, "intra": 0.0, "fixed": 0.0}
    for kind, gap, _, _ in events:
        sums[kind] += gap
    inter_scale = 1.0
    if sums["inter"] and sums["intra"] + sums["fixed"] + sums["inter"] > budget:
        inter_scale = min(1.0, max(0.15, (budget - sums["intra"] - sums["fixed"]) / sums["inter"]))
    total = sums["intra"] + sums["fixed"] + inter_scale * sums["inter"]
    scale = min(1.0, budget / total) if total else 1.0
    offset = min(offset, max(0.0, (end_of_day - start).total_seconds()))
    t = offset
    out = []
    base = start.replace(microsecond=0)
    for kind, gap, sender, text in events:
        t += gap * (inter_scale if kind == "inter" else 1.0) * scale
        out.append(GeneratedMessage(base + timedelta(seconds=int(t)), sender, text))
    return out


def generate_session(
    rng: random.Random,
    *,
    start: datetime,
    n_messages: int,
    participants: list[str],
    instructor: str,
    language: str,
    topic: str | None = None,
) -> list[GeneratedMessage]:
    """Generate one lecture's chat: exactly `n_messages` messages in time order.

    `participants` are the students, most talkative first (participation falls
    off like a Zipf law along the list). `language` is "zh", "en" or "mixed".
    `topic` ("deep_learning" or "statistics") defaults to deep learning for
    Chinese and bilingual courses and statistics for English ones. The first
    message comes a few minutes after `start`; the session lasts at most about
    three hours and never runs past the end of `start`'s day.
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    topic = topic or ("statistics" if language == "en" else "deep_learning")
    if topic not in TOPICS:
        raise ValueError(f"topic must be one of {TOPICS}, not {topic!r}")
    if n_messages < 0:
        raise ValueError("n_messages must be >= 0")
    _check_name(instructor, "instructor")
    for p in participants:
        _check_name(p, "participant")
    if n_messages == 0:
        return []
    session = _Session(rng, list(dict.fromkeys(participants)), instructor, language, topic)
    return _place_in_time(rng, start, session.run(n_messages))


def render_plain(messages: list[GeneratedMessage]) -> str:
    """Render messages in the plain layout: `HH:MM:SS<TAB>  sender : text`, one per line, each ending in LF.

    Raises ValueError for a text with a line break or a sender the layout cannot hold.
    """
    for m in messages:
        if any(c in m.text for c in "\r\n"):
            raise ValueError(f"message text contains a line break: {m.text!r}")
        _check_name(m.sender, "sender")
    return render_as(messages, "plain")


def render_as(messages: list[GeneratedMessage], layout: str, *, recording_start: datetime | None = None) -> str:
    """Render messages in any layout classchat reads (the writers live in ingest/render.py)."""
    from classchat.ingest.render import ChatMessage, render

    chat = [ChatMessage(m.sent, m.sender, m.text) for m in messages]
    return render(chat, layout, recording_start=recording_start)


# ---------------------------------------------------------------------------
# Courses, people and files
# ---------------------------------------------------------------------------

_CJK_NAMES = (
    "李明轩",
    "陈思远",
    "张雨桐",
    "刘洋",
    "周子涵",
    "吴浩然",
    "郑佳怡",
    "孙博文",
    "林小鹿",
    "黄一帆",
    "徐静",
    "马骁",
    "何晓峰",
    "风中追风",
    "小鱼儿",
    "不吃香菜",
    "夜雨声烦",
    "北极星",
    "一只咸鱼",
    "阿飞",
    "学不动了",
    "晨曦",
    "程序猿老王",
    "蔡佳穎",
    "许嘉豪",
    "罗一鸣",
    "梁晓雪",
    "宋子墨",
    "韩梅梅",
    "唐小糖",
    "冯远",
    "山海",
)
_CN_HANDLES = (
    "lzx2019",
    "chenxy",
    "wanghao_ai",
    "sunbw",
    "zhouzh88",
    "dl_learner",
    "yxm1024",
    "tiantian_ml",
    "xiaoliu",
    "hzq007",
    "kk_93",
    "mengmeng",
    "leo_zhang",
    "data_miner",
    "qiuqiu",
    "ai小白",
    "Rocky",
    "JudyT",
    "Vincent",
)
_LATIN_CN = (
    "Yifan Huang",
    "Mengqi Liu",
    "Haoran Wu",
    "Xinyi Zhao",
    "Jiehao Sun",
    "Ruoxi Chen",
    "Zihan Zhou",
    "Wei Lin",
    "Siyu Ma",
    "Kai Xu",
)
_EN_NAMES = (
    "Emily Carter",
    "Daniel Kim",
    "Priya Sharma",
    "Lucas Müller",
    "Sofia García",
    "Tom O'Brien",
    "Aisha Bello",
    "Noah Williams",
    "Olivia Brown",
    "Kenji Tanaka",
    "Fatima Al-Sayed",
    "Chris P.",
    "Maya's iPad",
    "jake_r",
    "mgreen",
    "Hannah Lee",
    "Omar Haddad",
    "Grace Nguyen",
    "Ben Carter",
    "Zoe Martin",
    "Luis Ortega",
    "Anna K",
    "Sam Taylor",
    "Ivan Petrov",
    "Chloe Dubois",
    "Ethan Wright",
    "Nia Okoye",
    "Rahul Mehta",
    "iPhone (3)",
    "Julia Rossi",
    "Mark S",
    "Leah Cohen",
    "Diego Alvarez",
    "Ines Costa",
    "Peter Jones",
)
_EN_HANDLES = ("stats_nerd", "rlover42", "k.wong", "dataDan", "pvalue_pam", "m_singh", "alex99", "jess.b")

_INSTRUCTORS = {
    "zh": ("王磊老师", "李静老师", "陈老师", "赵老师"),
    "en": ("Dr. Sarah Mitchell", "Prof. David Okafor", "Dr. Anna Novak", "Prof. Mark Evans"),
    "mixed": ("Prof. Lin Wei", "Dr. Zhang Min", "Prof. Chen (陈老师)", "Dr. Liu Yang"),
}

_LECTURES = {
    "deep_learning": (
        "intro-neural-nets",
        "activation-functions",
        "backprop",
        "regularization",
        "cnn",
        "pooling-and-padding",
        "optimization",
        "batch-norm",
        "rnn",
        "transformers",
    ),
    "statistics": (
        "descriptive-stats",
        "probability",
        "sampling",
        "hypothesis-testing",
        "confidence-intervals",
        "t-tests",
        "regression",
        "correlation",
        "bayes",
        "bootstrap",
    ),
}

ROSTER_HEADER = ("course", "display_name", "user_key", "role")


def _course_spec(index: int) -> tuple[str, str, str]:
    """(course id, language, topic) of the index-th generated course."""
    if index == 0:
        return "dl101", "zh", "deep_learning"
    if index == 1:
        return "stat200", "en", "statistics"
    return f"course{index + 1:02d}", "mixed", TOPICS[index % 2]


def _numeric_id(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return f"20{rng.randint(18, 23)}{rng.randint(0, 9999999):07d}"  # a student number
    return str(rng.randint(10_000_000, 99_999_999))


def _choose_participants(rng: random.Random, language: str, taken: set[str]) -> list[str]:
    """Pick a course's students from the name pools (names recur across courses: the same person)."""
    size = rng.randint(28, 44)
    if language == "zh":
        named = list(_CJK_NAMES + _CN_HANDLES + _LATIN_CN)
        n_numeric = round(size * rng.uniform(0.3, 0.45))
    elif language == "en":
        named = list(_EN_NAMES + _EN_HANDLES + _LATIN_CN)
        n_numeric = 0
    else:
        named = list(_CJK_NAMES + _CN_HANDLES + _LATIN_CN + _EN_NAMES)
        n_numeric = round(size * rng.uniform(0.1, 0.2))
    chosen = rng.sample(named, min(size - n_numeric, len(named)))
    while len(chosen) < size:
        candidate = _numeric_id(rng)
        if candidate not in taken and candidate not in chosen:
            chosen.append(candidate)
    taken.update(chosen)
    rng.shuffle(chosen)  # order = how much each one talks, most first
    return chosen


def _attendance(rng: random.Random, students: list[str], sessions: int) -> list[list[str]]:
    """Who attends each session: the core always, a few drop out for good, others miss one now and then."""
    last = {s: sessions for s in students}
    droppable = students[3:]
    for s in rng.sample(droppable, round(len(droppable) * rng.uniform(0.12, 0.25))) if sessions > 1 else ():
        last[s] = rng.randint(1, sessions - 1)
    plan = []
    for k in range(sessions):
        plan.append([s for i, s in enumerate(students) if k < last[s] and (i < 3 or rng.random() < 0.9)])
    return plan


def write_demo(
    data_dir: Path,
    *,
    courses: int = 2,
    sessions: int = 3,
    messages: int = 150,
    seed: int = 7,
    layout: str = "plain",
) -> list[Path]:
    """Write generated courses under `data_dir/raw/` plus `raw/roster.csv`; return the written paths.

    Each session is rendered in `layout` (any layout of ingest/layouts.py) and
    written as soon as it is generated, so memory holds one session at a time.
    A cloud recording is named like Zoom names it (`GMT<start>_<slug>.txt`), so
    its offsets can be read back against its start.

    Course 1 (`dl101`) is a Chinese deep-learning course, course 2 (`stat200`)
    an English statistics course, further ones (`course03`, ...) bilingual.
    Each has `sessions` weekly sessions from September 2024 of about
    `messages` messages (+-20%). Session files come first in the returned
    list, in the order written; roster.csv is last. Same seed, same bytes.
    """
    if courses < 1 or sessions < 1 or messages < 1:
        raise ValueError("courses, sessions and messages must all be >= 1")
    data_dir = Path(data_dir)
    raw = data_dir / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    people_rng = random.Random(f"classchat-demo/{seed}/people")
    taken: set[str] = set()
    keys: dict[str, str] = {}
    roster_rows: list[tuple[str, str, str, str]] = []
    written: list[Path] = []

    def key_of(name: str) -> str:
        if name not in keys:
            keys[name] = f"u{len(keys) + 1:04d}"
        return keys[name]

    used_instructors: set[str] = set()
    for ci in range(courses):
        course_id, language, topic = _course_spec(ci)
        pool = [n for n in _INSTRUCTORS[language] if n not in used_instructors]
        instructor = people_rng.choice(pool) if pool else f"Lecturer {ci + 1}"
        used_instructors.add(instructor)
        students = _choose_participants(people_rng, language, taken)
        roster_rows.append((course_id, instructor, key_of(instructor), "instructor"))
        roster_rows.extend((course_id, s, key_of(s), "student") for s in students)

        course_rng = random.Random(f"classchat-demo/{seed}/{course_id}")
        plan = _attendance(course_rng, students, sessions)
        first_day = date(2024, 9, 2) + timedelta(
            days=ci % 5
        )  # Monday 2 September 2024, one weekday per course
        hour = 10 if ci % 2 == 0 else 14
        lectures = _LECTURES[topic]
        course_dir = raw / course_id
        course_dir.mkdir(parents=True, exist_ok=True)
        for k in range(sessions):
            day = first_day + timedelta(weeks=k)
            start = datetime.combine(day, time(hour)) + timedelta(minutes=course_rng.randint(0, 5))
            n = max(1, round(messages * course_rng.uniform(0.8, 1.2)))
            slug = lectures[k] if k < len(lectures) else f"lecture-{k + 1:02d}"
            session_rng = random.Random(f"classchat-demo/{seed}/{course_id}/{k}")
            msgs = generate_session(
                session_rng,
                start=start,
                n_messages=n,
                participants=plan[k] or students[:1],
                instructor=instructor,
                language=language,
                topic=topic,
            )
            if layout == "plain":
                path = course_dir / f"{day.isoformat()}_{slug}.txt"
                text = render_plain(msgs)
            elif layout == "zoom_cloud":
                path = course_dir / f"GMT{start:%Y%m%d-%H%M%S}_{slug}.txt"
                text = render_as(msgs, layout, recording_start=start)
            else:
                path = course_dir / f"{day.isoformat()}_{slug}.txt"
                text = render_as(msgs, layout)
            path.write_bytes(text.encode("utf-8"))
            written.append(path)

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(ROSTER_HEADER)
    writer.writerows(roster_rows)
    roster = raw / "roster.csv"
    roster.write_bytes(buf.getvalue().encode("utf-8"))
    written.append(roster)
    return written
