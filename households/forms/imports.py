from django import forms

from povertyrelief.forms import ChineseFormMixin
from povertyrelief.xlsx import MAX_BYTES


class HouseholdImportForm(ChineseFormMixin, forms.Form):
    file = forms.FileField(
        label="家庭成员工作簿（.xlsx）",
        help_text="国家扶贫开发信息系统导出的家庭成员表，或按本系统模板填写；不超过 20 MB。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    )
    dry_run = forms.BooleanField(
        label="仅检查，不写入（试导入）", required=False,
        help_text="先试导入可以看到将新增、更新多少户和人，以及全部错误，而不改动任何数据。",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("只接受 .xlsx 格式的工作簿（不支持 .xls、.xlsm、.csv 等格式），请在 Excel 中“另存为 .xlsx”后上传。")
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"文件过大（{upload.size / 1024 / 1024:.1f} MB），上限为 20 MB，请分成几个文件导入。")
        return upload
