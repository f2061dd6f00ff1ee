"""The weighted tables and word lists the demo registry draws from."""

from __future__ import annotations

import bisect
import itertools

AREA_PREFIX = "610499"
PROVINCE = "陕西省"
INCOME_YEARS = range(2019, 2026)
# Households written together in one transaction (about 50,000 rows).
CHUNK_HOUSEHOLDS = 2500
BATCH_SIZE = 5000
NUMERALS = "一二三四五六七八九十"


class Table:
    """A weighted choice prepared once: ``table.pick(rng)``."""

    def __init__(self, weighted: dict):
        self.values = list(weighted)
        self.cumulative = list(itertools.accumulate(weighted.values()))
        self.total = self.cumulative[-1]

    def pick(self, rng):
        return self.values[bisect.bisect(self.cumulative, rng.random() * self.total)]


SIZES = Table({2: 42, 3: 29, 4: 15.5, 5: 8, 6: 3.5, 7: 1.5, 8: 0.5})
# 特困供养 people have no one to support them: they live alone or as a couple.
TEKUN_SIZES = Table({2: 85, 3: 15})
ATTRIBUTES = Table({"一般贫困户": 70, "低保贫困户": 20, "特困供养贫困户": 10})
CAUSES = Table({
    "因病": 25, "缺技术": 15, "缺劳力": 12, "缺资金": 12, "因残": 10, "因学": 6, "缺土地": 4,
    "交通条件落后": 4, "自身发展动力不足": 4, "缺水": 3, "因灾": 3, "其他": 2,
})
# 特困 households are mostly people who cannot work.
TEKUN_CAUSES = Table({"缺劳力": 40, "因残": 25, "因病": 25, "其他": 10})
IDENTIFICATION_YEARS = Table({2014: 55, 2015: 22, 2016: 13, 2017: 5, 2018: 3, 2019: 2})
EXIT_YEARS = {2016: 15, 2017: 20, 2018: 25, 2019: 25, 2020: 15}
STANDARDS = Table({"national": 88, "provincial": 10, "city": 2})
ETHNICITIES = Table({"汉族": 975, "回族": 15, "满族": 5, "蒙古族": 3, "土家族": 2})
WORK_PLACES = Table({"省外务工": 35, "省内县外务工": 25, "县内务工": 25, "乡镇内务工": 15})
ADULT_EDUCATION = {
    65: Table({"文盲或半文盲": 45, "小学": 40, "初中": 13, "高中": 2}),
    45: Table({"文盲或半文盲": 15, "小学": 40, "初中": 38, "高中": 6, "大专及以上": 1}),
    25: Table({"文盲或半文盲": 3, "小学": 17, "初中": 55, "高中": 17, "大专及以上": 8}),
    16: Table({"小学": 5, "初中": 45, "高中": 32, "大专及以上": 18}),
}
HEALTH = {
    "child": Table({"健康": 970, "长期慢性病": 15, "残疾": 15}),
    "adult": Table({"健康": 82, "长期慢性病": 10, "患有大病": 3, "残疾": 5}),
    "elder": Table({"健康": 50, "长期慢性病": 35, "患有大病": 7, "残疾": 8}),
}
GRADES = Table({"一级": 10, "二级": 25, "三级": 30, "四级": 35})
CROPS = ["核桃", "花椒", "苹果", "猕猴桃", "中药材", "魔芋", "茶叶", "食用菌", "蔬菜"]
ANIMALS = [("生猪", "头"), ("肉牛", "头"), ("湖羊", "只"), ("土鸡", "只"), ("中蜂", "箱")]
COOPERATIVES = ["村集体股份经济合作社", "种养殖专业合作社", "核桃专业合作社", "食用菌专业合作社", "茶叶专业合作社"]
PUBLIC_POSTS = ["保洁员", "护路员", "护林员", "水管员", "公益性岗位协管员"]
COUNTY_POSITIONS = ["科员", "科员", "干部", "主任科员", "副科长", "科长", "副局长"]
TOWNSHIP_POSITIONS = ["包村干部", "扶贫专干", "党政办干事", "副镇长", "农业服务中心干部"]
REPLACE_REASONS = ["工作调动", "岗位调整", "退休", "驻村轮换"]
# (what was done, from which year the wording fits)
VISIT_TEXTS = [
    ("入户走访，宣讲帮扶政策，了解家庭收入和生产生活情况", 2014),
    ("核实两不愁三保障及饮水安全情况，填写帮扶手册", 2016),
    ("了解务工情况，帮助联系就业岗位", 2014),
    ("开展收入测算，与户主核对各项收入", 2014),
    ("走访慰问，了解家庭成员健康状况和就医报销情况", 2014),
    ("指导发展产业，协调种苗和技术服务", 2014),
    ("宣传防返贫监测政策，告知监测对象申报渠道", 2021),
    ("核实住房安全和安全饮水情况", 2016),
    ("与户主共同研究制定年度帮扶计划", 2014),
    ("过渡期政策宣讲，核实帮扶措施落实情况", 2021),
]
RISKS = {
    "因病": "家庭成员患病住院，医疗支出较大，收入明显下降",
    "因残": "家庭成员残疾，主要劳动力无法外出务工",
    "因学": "子女就读高中及大学，教育支出增加",
    "因灾": "遭受暴雨洪涝灾害，农作物和房屋受损",
    "缺劳力": "家庭劳动力不足，收入来源单一",
    "缺技术": "务工收入下降，缺乏稳定就业技能",
    "缺资金": "产业发展资金不足，经营收入减少",
    "缺土地": "耕地少，家庭经营收入低且不稳定",
    "缺水": "遭遇干旱，农作物减产",
    "交通条件落后": "居住偏远，务工和农产品销售不便，收入下降",
    "自身发展动力不足": "家庭收入增长缓慢，发展意愿不强",
}
SUDDEN_RISKS = [
    "主要劳动力务工时意外受伤，暂时无法工作",
    "遭受暴雨洪涝灾害，住房和农作物受损",
    "家庭成员突发重病，自付医疗费用较高",
    "养殖牲畜发生疫病，经营亏损",
]
