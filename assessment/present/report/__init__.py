"""present/report"""
